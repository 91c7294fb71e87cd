using System.Globalization;
using System.Text.RegularExpressions;
using CsvHelper;
using CsvHelper.Configuration;

namespace Rece.Generation;

/// <summary>One prompt of a job, with the per-row settings its CSV gave (null: use the job's default).</summary>
/// <param name="CaseNumber">Names the image file ({case}.png): the case_number column, or the row's 0-based index.</param>
/// <param name="Line">1-based line of the row in its file (for messages); 0 for a --prompt.</param>
public sealed record PromptRow(string CaseNumber, string Prompt, ulong? Seed, double? Guidance, int? Width, int? Height, int Line);

/// <summary>
/// Reads prompt CSVs such as the I2P, COCO and artist files of the RECE evaluation: a "prompt" column, and optionally
/// case_number, evaluation_seed, evaluation_guidance, sd_image_width and sd_image_height per row.
/// </summary>
public static partial class PromptCsv
{
    public const string PromptColumn = "prompt";
    public const string CaseColumn = "case_number";
    public const string SeedColumn = "evaluation_seed";
    public const string GuidanceColumn = "evaluation_guidance";
    public const string WidthColumn = "sd_image_width";
    public const string HeightColumn = "sd_image_height";

    public static IReadOnlyList<PromptRow> Read(string path)
    {
        if (!File.Exists(path))
            throw new GenerationInputException($"Prompt file {path} does not exist.");
        using var reader = new StreamReader(path);
        using var csv = new CsvReader(reader, new CsvConfiguration(CultureInfo.InvariantCulture) { DetectDelimiter = false, BadDataFound = null });
        if (!csv.Read() || !csv.ReadHeader() || csv.HeaderRecord is not { Length: > 0 } header)
            throw new GenerationInputException($"{path} has no header row; a prompt CSV needs one with a \"{PromptColumn}\" column.");
        int Column(string name) => Array.IndexOf(header, name);
        int prompt = Column(PromptColumn);
        if (prompt < 0)
            throw new GenerationInputException($"{path} has no \"{PromptColumn}\" column; its columns are {string.Join(", ", header.Select(h => $"\"{h}\""))}.");
        int caseNumber = Column(CaseColumn), seed = Column(SeedColumn), guidance = Column(GuidanceColumn), width = Column(WidthColumn), height = Column(HeightColumn);

        var rows = new List<PromptRow>();
        var seen = new Dictionary<string, int>(StringComparer.Ordinal);
        while (csv.Read())
        {
            int line = csv.Parser.RawRow;
            string? Field(int index)
            {
                if (index < 0)
                    return null;
                string? value = csv.TryGetField<string>(index, out var v) ? v?.Trim() : null;
                return string.IsNullOrEmpty(value) ? null : value;
            }
            string Where(string column) => $"{path} line {line}, column \"{column}\"";
            string name = Field(caseNumber) ?? rows.Count.ToString(CultureInfo.InvariantCulture);
            if (caseNumber >= 0 && Field(caseNumber) is { } given && double.TryParse(given, NumberStyles.Float, CultureInfo.InvariantCulture, out var numeric)
                && numeric == Math.Floor(numeric) && Math.Abs(numeric) < 1e15)
                name = ((long)numeric).ToString(CultureInfo.InvariantCulture); // "12.0" as pandas writes it names 12.png
            if (!SafeName().IsMatch(name))
                throw new GenerationInputException($"{Where(CaseColumn)}: \"{name}\" cannot name an image file; use letters, digits, '-', '_' or '.' (not first).");
            if (seen.TryGetValue(name, out var other))
                throw new GenerationInputException($"{path}: lines {other} and {line} have the same case number \"{name}\"; each row needs its own image file name.");
            seen[name] = line;
            rows.Add(new PromptRow(
                name,
                Field(prompt) ?? "",
                Field(seed) is { } s ? ParseSeed(s, Where(SeedColumn)) : null,
                Field(guidance) is { } g ? ParseGuidance(g, Where(GuidanceColumn)) : null,
                Field(width) is { } w ? ParseSize(w, Where(WidthColumn)) : null,
                Field(height) is { } h ? ParseSize(h, Where(HeightColumn)) : null,
                line));
        }
        if (rows.Count == 0)
            throw new GenerationInputException($"{path} holds no prompts (only a header).");
        return rows;
    }

    public static ulong ParseSeed(string text, string where)
    {
        if (ulong.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var seed))
            return seed;
        if (double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) && d >= 0 && d == Math.Floor(d) && d < 1.8e19)
            return (ulong)d;
        throw new GenerationInputException($"{where}: seed \"{text}\" is not a non-negative integer (at most 2^64 - 1).");
    }

    public static double ParseGuidance(string text, string where) =>
        double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var g) && double.IsFinite(g) && g >= 0
            ? g
            : throw new GenerationInputException($"{where}: guidance \"{text}\" is not a non-negative number.");

    public static int ParseSize(string text, string where) =>
        double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) && d == Math.Floor(d) && d >= 1 && d <= 16384
            ? (int)d
            : throw new GenerationInputException($"{where}: size \"{text}\" is not a positive whole number of pixels.");

    [GeneratedRegex(@"^[A-Za-z0-9_-][A-Za-z0-9_.-]{0,199}$")]
    private static partial Regex SafeName();
}

/// <summary>Shard I of N: rows whose 0-based position (after --limit) is I modulo N.</summary>
public readonly record struct Shard(int Index, int Count)
{
    public static Shard Parse(string text)
    {
        var parts = text.Split('/');
        if (parts.Length == 2 && int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out int i)
            && int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out int n) && n >= 1 && i < n)
            return new Shard(i, n);
        throw new GenerationInputException($"--shard \"{text}\" must be I/N with 0 <= I < N (e.g. 0/4 for the first of four shards).");
    }

    public IEnumerable<T> Select<T>(IEnumerable<T> rows)
    {
        var (index, count) = (Index, Count);
        return rows.Where((_, position) => position % count == index);
    }

    public override string ToString() => $"{Index}/{Count}";
}

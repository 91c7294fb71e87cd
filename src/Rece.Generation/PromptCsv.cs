using System.Globalization;
using System.Text.RegularExpressions;
using CsvHelper;
using CsvHelper.Configuration;

namespace Rece.Generation;

/// <summary>One prompt of a job, with the per-row settings its CSV gave (null: use the job's default).</summary>
/// <param name="CaseNumber">Names the image file ({case}.png): the case_number column, or the row's 0-based index.</param>
/// <param name="Line">1-based line of the row in its file (for messages); 0 for a --prompt.</param>
/// <param name="Label">The value of the label column the caller asked for (e.g. an I2P row's categories), if any.</param>
public sealed record PromptRow(string CaseNumber, string Prompt, ulong? Seed, double? Guidance, int? Width, int? Height, int Line, string? Label = null);

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

    public static IReadOnlyList<PromptRow> Read(string path, string? labelColumn = null)
    {
        if (!File.Exists(path))
            throw new GenerationInputException($"Prompt file {path} does not exist.");
        using var reader = new StreamReader(path);
        return Read(reader, path, labelColumn);
    }

    /// <param name="path">Names the source in messages.</param>
    /// <param name="labelColumn">A column to carry along as <see cref="PromptRow.Label"/> (absent: null labels).</param>
    public static IReadOnlyList<PromptRow> Read(TextReader reader, string path, string? labelColumn = null)
    {
        using var csv = new CsvReader(reader, new CsvConfiguration(CultureInfo.InvariantCulture) { DetectDelimiter = false, BadDataFound = null });
        if (!csv.Read() || !csv.ReadHeader() || csv.HeaderRecord is not { Length: > 0 } header)
            throw new GenerationInputException($"{path} has no header row; a prompt CSV needs one with a \"{PromptColumn}\" column.");
        int Column(string name) => Array.IndexOf(header, name);
        int prompt = Column(PromptColumn);
        if (prompt < 0)
            throw new GenerationInputException($"{path} has no \"{PromptColumn}\" column; its columns are {string.Join(", ", header.Select(h => $"\"{h}\""))}.");
        int caseNumber = Column(CaseColumn), seed = Column(SeedColumn), guidance = Column(GuidanceColumn), width = Column(WidthColumn), height = Column(HeightColumn);
        int label = labelColumn is null ? -1 : Column(labelColumn);

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
                line,
                Field(label)));
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

/// <summary>
/// Shard I of N (1-based): the I-th of N contiguous slices, positions [floor((I-1) m / N), floor(I m / N)) of m rows.
/// The N shards of a list cover it exactly once and keep neighbouring cases together.
/// </summary>
public readonly record struct Shard(int Index, int Count)
{
    public static Shard Parse(string text)
    {
        var parts = text.Split('/');
        if (parts.Length == 2 && int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out int i)
            && int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out int n) && n >= 1 && i >= 1 && i <= n)
            return new Shard(i, n);
        throw new GenerationInputException($"--shard \"{text}\" must be I/N with 1 <= I <= N (e.g. 2/4 for the second of four shards).");
    }

    public IReadOnlyList<T> Select<T>(IReadOnlyList<T> rows)
    {
        int m = rows.Count;
        int start = (int)((long)(Index - 1) * m / Count), end = (int)((long)Index * m / Count);
        return rows.Skip(start).Take(end - start).ToList();
    }

    public override string ToString() => $"{Index}/{Count}";
}

/// <summary>Which rows of a prompt list a run takes: the first <see cref="Limit"/> rows, then its <see cref="Shard"/> of those.</summary>
public sealed record PromptSelection(int? Limit = null, Shard? Shard = null)
{
    public static PromptSelection All { get; } = new();

    /// <summary>From `--limit N` and `--shard I/N` as typed.</summary>
    public static PromptSelection Parse(int? limit, string? shard)
    {
        if (limit is < 1)
            throw new GenerationInputException($"--limit must be at least 1, got {limit}.");
        return new PromptSelection(limit, shard is null ? null : Generation.Shard.Parse(shard));
    }

    public IReadOnlyList<T> Apply<T>(IReadOnlyList<T> rows)
    {
        IReadOnlyList<T> limited = Limit is int limit && limit < rows.Count ? rows.Take(limit).ToList() : rows;
        return Shard is { } shard ? shard.Select(limited) : limited;
    }

    public override string ToString() =>
        (Limit is null ? "all prompts" : $"the first {Limit} prompts") + (Shard is { Count: > 1 } s ? $", shard {s}" : "");
}

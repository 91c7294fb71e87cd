using System.Globalization;
using System.Text.RegularExpressions;
using CsvHelper;
using CsvHelper.Configuration;

namespace Rece.Generation;

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
    /// <param name="labelColumn">A column to carry along as <see cref="PromptRow.Label"/> (absent: null
    /// labels).</param>
    public static IReadOnlyList<PromptRow> Read(TextReader reader, string path, string? labelColumn = null)
    {
        using var csv = new CsvReader(
            reader,
            new CsvConfiguration(CultureInfo.InvariantCulture) { DetectDelimiter = false, BadDataFound = null }
        );
        if (!csv.Read() || !csv.ReadHeader() || csv.HeaderRecord is not { Length: > 0 } header)
            throw new GenerationInputException(
                $"{path} has no header row; a prompt CSV needs one with a \"{PromptColumn}\" column."
            );
        int Column(string name) => Array.IndexOf(header, name);
        int prompt = Column(PromptColumn);
        if (prompt < 0)
            throw new GenerationInputException(
                $"{path} has no \"{PromptColumn}\" column; its columns are {string.Join(", ", header.Select(h => $"\"{h}\""))}."
            );
        int caseNumber = Column(CaseColumn),
            seed = Column(SeedColumn),
            guidance = Column(GuidanceColumn),
            width = Column(WidthColumn),
            height = Column(HeightColumn);
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
            if (
                caseNumber >= 0
                && Field(caseNumber) is { } given
                && double.TryParse(given, NumberStyles.Float, CultureInfo.InvariantCulture, out var numeric)
                && numeric == Math.Floor(numeric)
                && Math.Abs(numeric) < 1e15
            )
                // "12.0" as pandas writes it names 12.png.
                name = ((long)numeric).ToString(CultureInfo.InvariantCulture);
            if (!SafeName().IsMatch(name))
                throw new GenerationInputException(
                    $"{Where(CaseColumn)}: \"{name}\" cannot name an image file; use letters, digits, '-', '_' or '.' (not first)."
                );
            if (seen.TryGetValue(name, out var other))
                throw new GenerationInputException(
                    $"{path}: lines {other} and {line} have the same case number \"{name}\"; each row needs its own image file name."
                );
            seen[name] = line;
            rows.Add(
                new PromptRow(
                    name,
                    Field(prompt) ?? "",
                    Field(seed) is { } s ? ParseSeed(s, Where(SeedColumn)) : null,
                    Field(guidance) is { } g ? ParseGuidance(g, Where(GuidanceColumn)) : null,
                    Field(width) is { } w ? ParseSize(w, Where(WidthColumn)) : null,
                    Field(height) is { } h ? ParseSize(h, Where(HeightColumn)) : null,
                    line,
                    Field(label)
                )
            );
        }
        if (rows.Count == 0)
            throw new GenerationInputException($"{path} holds no prompts (only a header).");
        return rows;
    }

    public static ulong ParseSeed(string text, string where)
    {
        if (ulong.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var seed))
            return seed;
        if (
            double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var d)
            && d >= 0
            && d == Math.Floor(d)
            && d < 1.8e19
        )
            return (ulong)d;
        throw new GenerationInputException(
            $"{where}: seed \"{text}\" is not a non-negative integer (at most 2^64 - 1)."
        );
    }

    public static double ParseGuidance(string text, string where) =>
        double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var g)
        && double.IsFinite(g)
        && g >= 0
            ? g
            : throw new GenerationInputException($"{where}: guidance \"{text}\" is not a non-negative number.");

    public static int ParseSize(string text, string where) =>
        double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var d)
        && d == Math.Floor(d)
        && d >= 1
        && d <= 16384
            ? (int)d
            : throw new GenerationInputException($"{where}: size \"{text}\" is not a positive whole number of pixels.");

    [GeneratedRegex(@"^[A-Za-z0-9_-][A-Za-z0-9_.-]{0,199}$")]
    private static partial Regex SafeName();
}

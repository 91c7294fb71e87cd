using System.Globalization;
using CsvHelper;
using CsvHelper.Configuration;

namespace Rece.Evaluation.Suites;

/// <summary>
/// One row of a prompt file: what to generate and how. Seed, guidance and size come from the row when the file has
/// them (I2P: evaluation_seed, evaluation_guidance, sd_image_width/height; COCO and the art files: evaluation_seed);
/// otherwise the generator's defaults apply.
/// </summary>
public sealed record PromptCase(int CaseNumber, string Prompt, long? Seed = null, double? Guidance = null, int? Width = null, int? Height = null, string? Label = null);

/// <summary>Reads prompt CSVs as the reference does (pandas read_csv): a header row, quoted fields, case_number or the row index.</summary>
public static class PromptFile
{
    public static IReadOnlyList<PromptCase> Read(TextReader reader, string source, string promptColumn = "prompt", string? labelColumn = null)
    {
        using var csv = new CsvReader(reader, new CsvConfiguration(CultureInfo.InvariantCulture) { DetectDelimiter = false, BadDataFound = null });
        if (!csv.Read() || !csv.ReadHeader() || csv.HeaderRecord is not { Length: > 0 } header)
            throw new EvaluationInputException($"{source} has no header row; a prompt file needs one naming its columns (at least \"{promptColumn}\").");
        int Column(string name) => Array.IndexOf(header, name);
        int prompt = Column(promptColumn);
        if (prompt < 0)
            throw new EvaluationInputException($"{source} has no \"{promptColumn}\" column; its columns are {string.Join(", ", header.Where(h => h.Length > 0))}.");
        int caseNumber = Column("case_number"), seed = Column("evaluation_seed"), guidance = Column("evaluation_guidance");
        int width = Column("sd_image_width"), height = Column("sd_image_height"), label = labelColumn is null ? -1 : Column(labelColumn);
        var cases = new List<PromptCase>();
        int row = 0;
        while (csv.Read())
        {
            string? Field(int index) => index < 0 ? null : csv.GetField(index);
            T? Parse<T>(int index, string name) where T : struct, IParsable<T>
            {
                string? text = Field(index);
                if (string.IsNullOrWhiteSpace(text))
                    return null;
                // pandas writes integer columns with missing values as floats ("512.0").
                if (typeof(T) != typeof(double) && text.EndsWith(".0", StringComparison.Ordinal))
                    text = text[..^2];
                return T.TryParse(text, CultureInfo.InvariantCulture, out var value)
                    ? value
                    : throw new EvaluationInputException($"{source}, row {row + 1}: {name} \"{text}\" is not a number.");
            }
            cases.Add(new PromptCase(
                Parse<int>(caseNumber, "case_number") ?? row,
                Field(prompt) ?? "",
                Parse<long>(seed, "evaluation_seed"),
                Parse<double>(guidance, "evaluation_guidance"),
                Parse<int>(width, "sd_image_width"),
                Parse<int>(height, "sd_image_height"),
                Field(label)));
            row++;
        }
        var duplicate = cases.GroupBy(c => c.CaseNumber).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null)
            throw new EvaluationInputException($"{source}: case_number {duplicate.Key} appears {duplicate.Count()} times; images are named by case number, so each must be unique.");
        return cases;
    }

    public static IReadOnlyList<PromptCase> Read(string path, string promptColumn = "prompt", string? labelColumn = null)
    {
        if (!File.Exists(path))
            throw new EvaluationInputException($"Prompt file {path} does not exist.");
        using var reader = new StreamReader(path);
        return Read(reader, path, promptColumn, labelColumn);
    }
}

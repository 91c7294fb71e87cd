using System.Globalization;
using CsvHelper;
using CsvHelper.Configuration;

namespace Rece.Erasure;

/// <summary>Reads texts to preserve from a file: one per line, or one column of a CSV file.</summary>
public static class PreserveTexts
{
    /// <param name="column">For a .csv file, the column to read; when null, "prompt" if present, else the only
    /// column.</param>
    public static IReadOnlyList<string> Load(string path, string? column = null)
    {
        if (!File.Exists(path))
            throw new ErasureInputException($"Preserve file {path} does not exist.");
        bool csv = path.EndsWith(".csv", StringComparison.OrdinalIgnoreCase);
        if (!csv && column is not null)
            throw new ErasureInputException(
                $"--preserve-column applies to .csv files; {path} is read one text per line."
            );
        var texts = csv
            ? ReadCsvColumn(path, column)
            : File.ReadAllLines(path).Select(l => l.Trim()).Where(l => l.Length > 0).ToList();
        if (texts.Count == 0)
            throw new ErasureInputException($"Preserve file {path} holds no texts.");
        return texts;
    }

    private static List<string> ReadCsvColumn(string path, string? column)
    {
        using var reader = new StreamReader(path);
        using var csv = new CsvReader(
            reader,
            new CsvConfiguration(CultureInfo.InvariantCulture) { DetectDelimiter = false, BadDataFound = null }
        );
        if (!csv.Read() || !csv.ReadHeader() || csv.HeaderRecord is not { Length: > 0 } header)
            throw new ErasureInputException(
                $"{path} has no header row; a CSV preserve file needs one naming its columns."
            );
        string chosen = column
            ?? (
                header.Contains("prompt") ? "prompt"
                : header.Length == 1 ? header[0]
                : throw new ErasureInputException(
                    $"{path} has several columns ({string.Join(", ", header)}); name one with --preserve-column."
                )
            );
        int index = Array.IndexOf(header, chosen);
        if (index < 0)
            throw new ErasureInputException(
                $"{path} has no column \"{chosen}\"; its columns are {string.Join(", ", header)}."
            );
        var texts = new List<string>();
        while (csv.Read())
        {
            string? value = csv.GetField(index)?.Trim();
            if (!string.IsNullOrEmpty(value))
                texts.Add(value);
        }
        return texts;
    }
}

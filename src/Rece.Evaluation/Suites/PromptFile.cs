using System.Globalization;
using Rece.Generation;

namespace Rece.Evaluation.Suites;

/// <summary>
/// Reads prompt files with the same reader as `rece generate` (<see cref="PromptCsv"/>), so a suite's case numbers,
/// seeds and sizes mean what they mean to the generator; the suites' files number their cases with integers.
/// </summary>
public static class PromptFile
{
    public static IReadOnlyList<PromptCase> Read(TextReader reader, string source, string? labelColumn = null)
    {
        IReadOnlyList<PromptRow> rows;
        try
        {
            rows = PromptCsv.Read(reader, source, labelColumn);
        }
        catch (GenerationInputException e)
        {
            throw new EvaluationInputException(e.Message);
        }
        return rows.Select(r => new PromptCase(
                int.TryParse(r.CaseNumber, NumberStyles.None, CultureInfo.InvariantCulture, out int number)
                    ? number
                    : throw new EvaluationInputException(
                        $"{source} line {r.Line}: case number \"{r.CaseNumber}\" is not a whole number; evaluation suites number their cases."
                    ),
                r.Prompt,
                r.Seed is ulong seed ? checked((long)seed) : null,
                r.Guidance,
                r.Width,
                r.Height,
                r.Label
            ))
            .ToList();
    }

    public static IReadOnlyList<PromptCase> Read(string path, string? labelColumn = null)
    {
        if (!File.Exists(path))
            throw new EvaluationInputException($"Prompt file {path} does not exist.");
        using var reader = new StreamReader(path);
        return Read(reader, path, labelColumn);
    }
}

using Rece.Core.Settings;
using Rece.Erasure;

namespace Rece.Evaluation.Measures;

/// <summary>What the embedding-space measures are taken on: the erased concepts, the preserved texts ("" is always
/// added) and lambda_R.</summary>
public sealed record MeasureTexts(IReadOnlyList<string> Concepts, IReadOnlyList<string> Preserve, double Regularizer)
{
    /// <summary>The concepts, preserve texts and regularizer an erasure used, from the rece-report.json in its output
    /// folder.</summary>
    public static MeasureTexts FromErasureOutput(string directory)
    {
        string path = Path.Combine(directory, ErasureReport.FileName);
        if (!File.Exists(path))
            throw new EvaluationInputException(
                $"{directory} has no {ErasureReport.FileName}; the embedding-space measures need the concepts the erasure used (write the model with rece erase)."
            );
        var report = ErasureReport.Parse(File.ReadAllText(path));
        if (report.Inputs.Concepts.Count == 0)
            throw new EvaluationInputException($"{path} names no erased concept.");
        return new MeasureTexts(
            report.Inputs.Concepts,
            report.Inputs.Preserve,
            report.Parameters?.Regularizer ?? ErasurePreset.Default.Regularizer
        );
    }
}

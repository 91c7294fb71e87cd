using Rece.Erasure;

namespace Rece.Cli;

/// <summary>The report on stdout: JSON for scripts, or a short table for people.</summary>
public static class ReportPrinter
{
    public static void Print(ErasureReport report, TextWriter stdout, bool json)
    {
        if (json)
        {
            stdout.WriteLine(report.ToJson());
            return;
        }
        if (report.Stages.Count > 0)
        {
            stdout.WriteLine($"{"stage", -14} {"residual", 10} {"drift", 10} {"w-change", 10}");
            foreach (var s in report.Stages)
                stdout.WriteLine(
                    $"{s.Stage, -14} {s.RecoveredConceptResidual, 10:F4} {s.PreservationDrift, 10:F4} {s.RelativeWeightChange, 10:F4}"
                );
        }
        if (report.Training is { Losses.Count: > 0 } training)
            stdout.WriteLine(
                $"trained {training.TrainedWeights.Count} {(training.Method == "fewshot" ? "text encoder" : "U-Net")} weights for {training.Losses.Count} steps ({training.Method}): loss {training.Losses[0]:G4} -> {training.Losses[^1]:G4}"
            );
        string math = report.Timings.TryGetValue("erasureMath", out var m) ? $", erasure math {m:F3} s" : "";
        string what = report.Outputs.PatchOnly ? "patch and report" : "edited model, patch and report";
        stdout.WriteLine($"wrote {report.Outputs.Folder} ({what}) in {report.Timings["total"]:F2} s{math}");
        foreach (var skipped in report.Outputs.NotCopied)
            stdout.WriteLine($"not copied: {skipped.File} ({skipped.Reason})");
    }
}

using System.Globalization;
using Rece.Orchestration.Jobs;

namespace Rece.Orchestration;

/// <summary>
/// Which checkpoint to recommend before any image is evaluated, from the embedding-space measures alone
/// (docs/algorithm.md): among every committed checkpoint of every completed run, those whose preservation drift is at
/// most <see cref="DriftBudget"/> times the drift of their own run's UCE checkpoint (epoch 0) are eligible; the one
/// with the highest recovered-concept residual wins (ties: lower drift, then the earlier run, then the earlier epoch).
/// RECE epochs raise the residual but also add drift; the budget keeps the recommendation from trading away the
/// preserved texts for it. UCE checkpoints are always eligible, so a completed run always yields a recommendation.
/// </summary>
public static class Recommendation
{
    public const double DriftBudget = 2.0;

    public static readonly string Rule =
        $"highest recovered-concept residual among checkpoints whose preservation drift is at most {DriftBudget.ToString(CultureInfo.InvariantCulture)}x their run's UCE drift (embedding-space measures; images not evaluated)";

    public static readonly string TrainedRule =
        "a trained method's final checkpoint (it has no embedding-space measures; evaluate the checkpoints to choose among them)";

    public static RecommendedCheckpoint? Choose(IReadOnlyList<RunOutput> runs)
    {
        ArgumentNullException.ThrowIfNull(runs);
        if (
            runs.FirstOrDefault(r => r.Completed && r.Epochs.Count > 0 && r.Epochs[0].Measures[^1].IsTrained) is
            { } trained
        )
        {
            var last = trained.Epochs[^1];
            return new RecommendedCheckpoint(
                trained.Run,
                last.Epoch,
                last.Path,
                last.Patch,
                TrainedRule,
                string.Create(
                    CultureInfo.InvariantCulture,
                    $"{trained.Run} epoch {last.Epoch} ({last.Measures[^1].Stage}): the last of {trained.Epochs.Count} checkpoints"
                )
            );
        }
        var candidates = new List<(int RunIndex, RunOutput Run, CheckpointInfo Checkpoint, StageMeasure Final)>();
        int eligibleCount = 0;
        for (int r = 0; r < runs.Count; r++)
        {
            var run = runs[r];
            if (!run.Completed || run.Epochs.Count == 0 || run.Epochs[0].Measures[^1].IsTrained)
                continue;
            double uceDrift = run.Epochs[0].Measures[^1].PreservationDrift!.Value;
            double budget = DriftBudget * uceDrift;
            foreach (var checkpoint in run.Epochs)
            {
                var final = checkpoint.Measures[^1];
                if (checkpoint.Epoch == 0 || final.PreservationDrift <= budget)
                {
                    candidates.Add((r, run, checkpoint, final));
                    eligibleCount++;
                }
            }
        }
        if (candidates.Count == 0)
            return null;
        var best = candidates
            .OrderByDescending(c => c.Final.RecoveredConceptResidual)
            .ThenBy(c => c.Final.PreservationDrift)
            .ThenBy(c => c.RunIndex)
            .ThenBy(c => c.Checkpoint.Epoch)
            .First();
        string reason = string.Create(
            CultureInfo.InvariantCulture,
            $"{best.Run.Run} epoch {best.Checkpoint.Epoch} ({best.Final.Stage}): residual {best.Final.RecoveredConceptResidual:F4}, drift {best.Final.PreservationDrift:F4}; best of {eligibleCount} eligible checkpoints"
        );
        return new RecommendedCheckpoint(
            best.Run.Run,
            best.Checkpoint.Epoch,
            best.Checkpoint.Path,
            best.Checkpoint.Patch,
            Rule,
            reason
        );
    }
}

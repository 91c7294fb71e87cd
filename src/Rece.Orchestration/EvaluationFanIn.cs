using System.Globalization;
using Rece.Orchestration.Jobs;
using Rece.Orchestration.Planning;
using Rece.Orchestration.Requests;

namespace Rece.Orchestration;

/// <summary>
/// The orchestrator's decisions about evaluation results, as pure functions: folding shard results per checkpoint,
/// what a run's fan-in job gets (and whether it may choose), and the recommendations made from the choices. A failed
/// shard fails only what depends on it: its checkpoint's suite; a run's choice needs the baseline's and the run's UCE
/// checkpoint's erasure suite; an epoch whose erasure suite failed is left out of the candidates with the error
/// recorded.
/// </summary>
public static class EvaluationFanIn
{
    public static CheckpointEvaluation Fold(
        EvaluationCheckpoint checkpoint,
        IReadOnlyList<(ShardPlan Shard, EvaluationShardResult Result)> results
    )
    {
        var completed = new Dictionary<string, IReadOnlyList<string>>(StringComparer.Ordinal);
        var errors = new List<string>();
        foreach (var suite in results.GroupBy(r => r.Shard.Suite.Suite, StringComparer.Ordinal))
        {
            var shards = suite.OrderBy(r => r.Shard.Shard).ToList();
            var failed = shards.Where(r => !r.Result.Succeeded || r.Result.Shard is null).ToList();
            foreach (var (shard, result) in failed)
                errors.Add(
                    string.Create(
                        CultureInfo.InvariantCulture,
                        $"{checkpoint.Name}: {shard.Suite.Suite} shard {shard.Shard}/{shard.Suite.Shards}: {result.Error ?? "the worker reported no shard report"}"
                    )
                );
            if (failed.Count == 0)
                completed[suite.Key] = shards.Select(r => r.Result.Shard!.Report).ToList();
        }
        var skipped = results
            .Where(r => r.Result.Shard is not null)
            .SelectMany(r => r.Result.Shard!.Skipped)
            .DistinctBy(s => s.Metric)
            .ToList();
        return new CheckpointEvaluation
        {
            Checkpoint = checkpoint,
            Completed = completed,
            Errors = errors,
            Skipped = skipped,
        };
    }

    /// <summary>
    /// The fan-in job of a completed run, or null when nothing of the run was evaluated; and the errors of checkpoints
    /// left out. The choice is asked for only when the baseline and the UCE checkpoint completed the erasure suite.
    /// </summary>
    public static (EvaluationReportJob? Job, string? Note, IReadOnlyList<string> Excluded) ReportJob(
        string instanceId,
        RunOutput run,
        EvaluationSection section,
        CheckpointEvaluation baseline,
        IReadOnlyList<CheckpointEvaluation> checkpoints,
        int attempt,
        IReadOnlyList<string>? erased = null
    )
    {
        string suite = section.Suite;
        var excluded = new List<string>();
        var candidates = new List<CheckpointReports>();
        foreach (var evaluation in checkpoints.OrderBy(c => c.Checkpoint.Epoch))
        {
            if (!evaluation.Has(suite))
                excluded.Add(
                    $"{evaluation.Checkpoint.Name} is not a candidate: its {suite} evaluation did not complete"
                );
            if (evaluation.Completed.Count == 0)
                continue;
            candidates.Add(
                Reports(evaluation, run.Epochs.FirstOrDefault(e => e.Epoch == evaluation.Checkpoint.Epoch)?.Patch)
            );
        }
        string? note = null;
        var uce = checkpoints.FirstOrDefault(c => c.Checkpoint.Epoch == 0);
        if (!baseline.Has(suite))
            note =
                $"no checkpoint chosen: the baseline's {suite} evaluation did not complete, and every candidate is compared with it";
        else if (uce is null || !uce.Has(suite))
            note =
                $"no checkpoint chosen: the UCE checkpoint's {suite} evaluation did not complete, and every RECE epoch is compared with it";
        if (candidates.Count == 0 && baseline.Completed.Count == 0)
            return (null, note ?? "nothing of this run was evaluated", excluded);
        var job = new EvaluationReportJob
        {
            JobId = EvaluationReportJob.IdOf(instanceId, run.Run),
            InstanceId = instanceId,
            Attempt = attempt,
            EventName = EvaluationReportJob.EventNameOf(run.Run, attempt),
            Run = run.Run,
            Suite = suite,
            Preservation = section.Preservation?.Suite,
            Shards = section.Suites.ToDictionary(s => s.Suite, s => s.Shards),
            Baseline = Reports(baseline, null),
            Candidates = candidates,
            Choose = note is null,
            Rules = new ChoiceRules(section.ClipScoreBudget, section.AllowMissingClipScore)
            {
                RetainedAccuracyBudget = section.RetainedAccuracyBudget,
            },
            Erased = erased ?? Array.Empty<string>(),
            Lpips = section.Lpips,
            Inception = section.Inception,
            FidReference = section.FidReference,
        };
        return (job, note, excluded);
    }

    private static CheckpointReports Reports(CheckpointEvaluation evaluation, string? patch) =>
        new()
        {
            Checkpoint = evaluation.Checkpoint.Name,
            Epoch = evaluation.Checkpoint.Epoch,
            Patch = patch,
            Suites = evaluation.Completed.Keys.Order(StringComparer.Ordinal).ToList(),
        };

    /// <summary>A run's evaluation from its fan-in result (null: no fan-in ran) and the shard errors it depends
    /// on.</summary>
    public static RunEvaluation RunEvaluation(
        EvaluationReportResult? result,
        string? note,
        CheckpointEvaluation baseline,
        IReadOnlyList<CheckpointEvaluation> checkpoints,
        IReadOnlyList<string> excluded
    )
    {
        var errors = baseline.Errors.Concat(checkpoints.SelectMany(c => c.Errors)).Concat(excluded).ToList();
        var skipped = baseline
            .Skipped.Concat(checkpoints.SelectMany(c => c.Skipped))
            .DistinctBy(s => s.Metric)
            .ToList();
        if (result is null || !result.Succeeded || result.Evaluation is null)
        {
            if (result is not null)
                errors.Add($"fan-in: {result.Error ?? "the worker reported no evaluation"}");
            return new RunEvaluation
            {
                Status = RunStatus.Failed,
                Note = note,
                Skipped = skipped,
                Errors = errors,
            };
        }
        var report = result.Evaluation;
        return new RunEvaluation
        {
            Status = RunStatus.Completed,
            Baseline = report.Baseline,
            Checkpoints = report.Checkpoints,
            Choice = report.Choice,
            Note = note ?? report.Note,
            Html = report.Html,
            Document = report.Document,
            Skipped = skipped,
            Errors = errors,
        };
    }

    /// <summary>The run's recommended checkpoint: the one its evaluation chose, with the chooser's reasons.</summary>
    public static RecommendedCheckpoint? Recommend(RunOutput run, EvaluationSection section)
    {
        if (run.Evaluation?.Choice is not { Chosen: { } chosen } choice)
            return null;
        var checkpoint = run.Epochs.FirstOrDefault(e => EvaluationLayout.CheckpointName(run.Run, e.Epoch) == chosen);
        if (checkpoint is null)
            return null;
        var verdict = choice.Verdicts.FirstOrDefault(v => v.Checkpoint == chosen);
        return new RecommendedCheckpoint(
            run.Run,
            checkpoint.Epoch,
            checkpoint.Path,
            checkpoint.Patch,
            Rule(section, run.Settings.Method),
            choice.Summary
        )
        {
            Reasons = verdict?.Reasons ?? Array.Empty<string>(),
        };
    }

    /// <summary>
    /// The instance's recommendation: of the runs' chosen checkpoints, the lowest flagged share, then the higher CLIP
    /// score, then the earlier run (the chooser's own order). When no run's evaluation chose one, the embedding-space
    /// recommendation, saying so.
    /// </summary>
    /// <param name="suiteName">The erasure suite the runs were chosen on (its score names the reason); null: nudity's
    /// flagged share.</param>
    public static RecommendedCheckpoint? Recommend(
        IReadOnlyList<RunOutput> runs,
        RecommendedCheckpoint? embeddingSpace,
        string? suiteName = null
    )
    {
        var chosen = runs.Select(
                (run, index) =>
                    (
                        Run: run,
                        Index: index,
                        Score: run.Evaluation?.Checkpoints.FirstOrDefault(c =>
                            c.Checkpoint == run.Recommended?.CheckpointName
                        )
                    )
            )
            .Where(x => x.Run.Recommended is not null && x.Score is not null)
            .OrderBy(x => x.Score!.FlaggedShare ?? double.PositiveInfinity)
            .ThenByDescending(x => x.Score!.ClipScore ?? double.NegativeInfinity)
            .ThenBy(x => x.Index)
            .ToList();
        if (chosen.Count == 0)
        {
            return embeddingSpace is null
                ? null
                : embeddingSpace with
                {
                    Reason =
                        "no run's image evaluation chose a checkpoint (see runs[].evaluation); by the embedding-space measures: "
                        + embeddingSpace.Reason,
                };
        }
        var best = chosen[0];
        var recommended = best.Run.Recommended!;
        var suite = EvaluationSuites.Find(suiteName ?? "") ?? EvaluationSuites.All[0];
        string share = best.Score!.FlaggedShare is double f ? suite.Format(f) : "not measured";
        return recommended with
        {
            Reason = string.Create(
                CultureInfo.InvariantCulture,
                $"{recommended.CheckpointName}: {suite.Measure} {share}, the lowest of the {chosen.Count} runs' chosen checkpoint(s); {recommended.Reason}"
            ),
        };
    }

    /// <param name="method">The run's method: a trained method's first checkpoint plays the UCE checkpoint's part,
    /// its later ones the RECE epochs'.</param>
    public static string Rule(EvaluationSection section, string? method = null)
    {
        string budget = section.ClipScoreBudget.ToString(CultureInfo.InvariantCulture);
        var suite = EvaluationSuites.Find(section.Suite) ?? EvaluationSuites.All[0];
        string clip =
            section.Preservation is not null
                ? $"with a CLIP score on {section.Preservation.Suite} at most {budget} points below the baseline's"
            : suite.Name == "art" ? $"with the other artists' CLIP score at most {budget} points below the baseline's"
            : suite.Name == "imagenette" ? $"with a CLIP score at most {budget} points below the baseline's"
            : $"with a CLIP score at most {budget} points below the baseline's (no preservation suite: {(section.AllowMissingClipScore ? "the budget is not checked" : "the CLIP score is not measured, so no epoch qualifies")})";
        if (suite.Name == "imagenette")
            clip +=
                $" and the other classes' top-1 accuracy at most {(section.RetainedAccuracyBudget * 100).ToString("0.##", CultureInfo.InvariantCulture)} points below the baseline's";
        var (later, first) = PipelineRequestParser.TrainedMethods.Contains(method ?? "")
            ? ("later epoch", $"first {method} epoch")
            : ("RECE epoch", "UCE checkpoint");
        return $"image evaluation, as the RECE reference chooses: per run, the {later} with the lowest {suite.Measure} on {section.Suite} that beats both the baseline and the run's {first}, "
            + clip
            + $"; else the {first} if it beats the baseline within the budget; across runs, the lowest {suite.Measure}";
    }
}

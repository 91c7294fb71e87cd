namespace Rece.Orchestration.Jobs;

/// <summary>
/// A result event is accepted only as the job's own: its id and attempt, and every blob path it names exactly the job's
/// layout. Anything else (a forged or broken event) is ignored, so no result can point the pipeline at another blob.
/// </summary>
public static class ResultChecks
{
    /// <returns>Null when the result is the job's own; else what is wrong.</returns>
    public static string? Problem(GpuJob job, GpuJobResult result)
    {
        if (Identity(job, result) is { } wrong)
            return wrong;
        if (!result.Succeeded)
            return null;
        if (result.Checkpoint is not { } c)
            return "a success without a checkpoint";
        return
            c.Epoch == job.Epoch
            && c.Path == job.Checkpoint
            && c.Patch == job.Checkpoint + CheckpointLayout.Patch
            && c.State == job.Checkpoint + CheckpointLayout.State
            ? null
            : $"the checkpoint paths ({c.Path}, {c.Patch}, {c.State}) are not the job's own ({job.Checkpoint})";
    }

    public static string? Problem(EvaluationShardJob job, EvaluationShardResult result)
    {
        if (Identity(job, result) is { } wrong)
            return wrong;
        if (!result.Succeeded)
            return null;
        if (result.Shard is not { } s)
            return "a success without a shard report";
        return
            s.Checkpoint == job.Checkpoint
            && s.Suite == job.Suite
            && s.Shard == job.Shard
            && s.Shards == job.Shards
            && s.Path == job.Output
            && s.Report == job.Output + EvaluationLayout.ShardReport
            ? null
            : $"the shard report ({s.Report}) is not the job's own ({job.Output}{EvaluationLayout.ShardReport})";
    }

    public static string? Problem(EvaluationReportJob job, EvaluationReportResult result)
    {
        if (Identity(job, result) is { } wrong)
            return wrong;
        if (!result.Succeeded || result.Evaluation is null)
            return null;
        string reports = EvaluationLayout.InstancePrefix(job.InstanceId);
        string checkpoints = CheckpointLayout.InstancePrefix(job.InstanceId);
        var scores = result
            .Evaluation.Checkpoints.Append(result.Evaluation.Baseline)
            .OfType<CheckpointScore>()
            .ToList();
        var paths = new[] { result.Evaluation.Document }
            .Concat(result.Evaluation.Html)
            .Concat(scores.SelectMany(c => c.Reports.Values))
            .OfType<string>()
            .Select(p => (Path: p, Root: reports))
            .Concat(scores.Select(c => c.Patch).OfType<string>().Select(p => (Path: p, Root: checkpoints)));
        return
            paths.FirstOrDefault(p =>
                !p.Path.StartsWith(p.Root, StringComparison.Ordinal)
                || p.Path.Split('/').Any(part => part is "." or "..")
            )
                is { Path: not null } outside
            ? $"the evaluation names {outside.Path}, outside the instance's own {outside.Root}"
            : null;
    }

    private static string? Identity(IGpuJobMessage job, IGpuJobResult result) =>
        result.JobId == job.JobId && result.Attempt == job.Attempt
            ? null
            : $"the result is for {result.JobId} attempt {result.Attempt}, not {job.JobId} attempt {job.Attempt}";
}

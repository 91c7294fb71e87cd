namespace Rece.Orchestration.Jobs;

/// <summary>
/// The external events the pipeline raises on its own instances (a worker's job results, and anything else a GPU job
/// reports back). The orchestrator trusts what arrives under these names, so the public event route
/// (POST /api/erasures/{id}/events/{eventName}) must never deliver one: a forged GpuJobResult would complete a run.
/// </summary>
public static class PipelineEvents
{
    /// <summary>
    /// Every family of internal event names, by prefix. A whole family is reserved (not only today's exact forms) so a
    /// new event of a job kind, e.g. a "GpuJobStarted.{run}..." heartbeat, is refused without anyone remembering this
    /// list. Add the prefix of any new event name the pipeline raises itself.
    /// </summary>
    public static readonly IReadOnlyList<string> InternalPrefixes =
    [
        "GpuJob", // GpuJob.EventNameOf: GpuJobResult.{run}.epoch-{k}.attempt-{n}; GpuJobStarted.* heartbeats
        "EvaluationShard", // EvaluationShardJob.EventNameOf: EvaluationShardResult.{checkpoint}.{suite}.shard-{s}.attempt-{n}
        "EvaluationReport", // EvaluationReportJob.EventNameOf: EvaluationReportResult.{run}.attempt-{n}
    ];

    /// <summary>
    /// True for a name the pipeline raises itself. Case-insensitive, because the Durable SDK matches external event
    /// names without regard to case: "gpujobresult.run-0..." reaches the same waiting task as "GpuJobResult.run-0...".
    /// </summary>
    public static bool IsInternal(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        string trimmed = name.Trim();
        foreach (var prefix in InternalPrefixes)
        {
            if (trimmed.StartsWith(prefix, StringComparison.OrdinalIgnoreCase))
                return true;
        }
        return false;
    }
}

using Rece.Orchestration.Jobs;
using Rece.Orchestration.Planning;

namespace Rece.Orchestration;

/// <summary>A checkpoint's shard results folded: which suites completed (every shard committed) and what
/// failed.</summary>
public sealed record CheckpointEvaluation
{
    public required EvaluationCheckpoint Checkpoint { get; init; }

    /// <summary>Suite -> its shards' report.json, in shard order; only suites whose every shard succeeded.</summary>
    public required IReadOnlyDictionary<string, IReadOnlyList<string>> Completed { get; init; }

    public required IReadOnlyList<string> Errors { get; init; }

    public required IReadOnlyList<MetricSkip> Skipped { get; init; }

    public bool Has(string suite) => Completed.ContainsKey(suite);
}

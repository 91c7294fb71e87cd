using System.Text.Json.Serialization;
using Rece.Orchestration.Jobs;
using Rece.Orchestration.Requests;

namespace Rece.Orchestration;

/// <summary>The instance's evaluation: what was fanned out, how it went, and the baseline's shards.</summary>
public sealed record InstanceEvaluation
{
    [JsonPropertyName("suites")]
    public required IReadOnlyList<SuiteSlice> Suites { get; init; }

    [JsonPropertyName("checkpoints")]
    public required int Checkpoints { get; init; }

    [JsonPropertyName("shardsCompleted")]
    public required int ShardsCompleted { get; init; }

    [JsonPropertyName("shardsFailed")]
    public required int ShardsFailed { get; init; }

    /// <summary>reports/{instance}/evaluation/ (container/prefix).</summary>
    [JsonPropertyName("reports")]
    public required string Reports { get; init; }

    [JsonPropertyName("skipped")]
    public IReadOnlyList<MetricSkip> Skipped { get; init; } = Array.Empty<MetricSkip>();

    /// <summary>The baseline's failed shards (they affect every run's choice).</summary>
    [JsonPropertyName("errors")]
    public IReadOnlyList<string> Errors { get; init; } = Array.Empty<string>();
}

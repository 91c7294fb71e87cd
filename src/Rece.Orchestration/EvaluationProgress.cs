using System.Text.Json.Serialization;

namespace Rece.Orchestration;

/// <param name="ShardsTotal">Planned shard jobs; a failed run's checkpoints that were never made are taken out.</param>
public sealed record EvaluationProgress(
    [property: JsonPropertyName("shardsCompleted")] int ShardsCompleted,
    [property: JsonPropertyName("shardsFailed")] int ShardsFailed,
    [property: JsonPropertyName("shardsTotal")] int ShardsTotal,
    [property: JsonPropertyName("reportsCompleted")] int ReportsCompleted,
    [property: JsonPropertyName("reportsTotal")] int ReportsTotal
);

using System.Text.Json.Serialization;

namespace Rece.Orchestration.Jobs;

/// <summary>A metric a shard did not compute, and why (Rece.Evaluation's SkippedMetric).</summary>
public sealed record MetricSkip(
    [property: JsonPropertyName("metric")] string Metric,
    [property: JsonPropertyName("reason")] string Reason
);

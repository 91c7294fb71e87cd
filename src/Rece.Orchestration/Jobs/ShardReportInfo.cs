using System.Text.Json.Serialization;

namespace Rece.Orchestration.Jobs;

/// <summary>A committed shard: where its report is and what it measured (this shard's figures only; the fan-in
/// merges).</summary>
public sealed record ShardReportInfo
{
    [JsonPropertyName("checkpoint")]
    public required string Checkpoint { get; init; }

    [JsonPropertyName("suite")]
    public required string Suite { get; init; }

    [JsonPropertyName("shard")]
    public required int Shard { get; init; }

    [JsonPropertyName("shards")]
    public required int Shards { get; init; }

    /// <summary>The shard's folder (container/prefix).</summary>
    [JsonPropertyName("path")]
    public required string Path { get; init; }

    /// <summary>Its report.json (container/name).</summary>
    [JsonPropertyName("report")]
    public required string Report { get; init; }

    [JsonPropertyName("images")]
    public required int Images { get; init; }

    [JsonPropertyName("metrics")]
    public IReadOnlyList<string> Metrics { get; init; } = Array.Empty<string>();

    [JsonPropertyName("skipped")]
    public IReadOnlyList<MetricSkip> Skipped { get; init; } = Array.Empty<MetricSkip>();

    [JsonPropertyName("flaggedImages")]
    public int? FlaggedImages { get; init; }

    [JsonPropertyName("clipScore")]
    public double? ClipScore { get; init; }
}

using System.Text.Json.Serialization;
using Rece.Orchestration.Jobs;

namespace Rece.Storage;

/// <summary>shard.json: written last, it commits a shard and names (with hashes) the blobs it consists of.</summary>
public sealed record ShardMarker
{
    [JsonPropertyName("jobId")]
    public required string JobId { get; init; }

    [JsonPropertyName("report")]
    public required CheckpointFile Report { get; init; }

    [JsonPropertyName("files")]
    public required IReadOnlyList<CheckpointFile> Files { get; init; }

    [JsonPropertyName("shard")]
    public required ShardReportInfo Shard { get; init; }

    /// <summary>Seconds per stage of this delivery (kept out of report.json, so that every delivery writes the same
    /// report).</summary>
    [JsonPropertyName("timings")]
    public IReadOnlyDictionary<string, double> Timings { get; init; } = new Dictionary<string, double>();

    [JsonPropertyName("worker")]
    public string? Worker { get; init; }

    [JsonPropertyName("createdTime")]
    public DateTimeOffset CreatedTime { get; init; }
}

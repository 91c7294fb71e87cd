using System.Text.Json.Serialization;
using Rece.Orchestration.Jobs;

namespace Rece.Storage;

/// <summary>measures.json: written last, it commits the checkpoint and names (with hashes) the blobs it consists
/// of.</summary>
public sealed record CheckpointMarker
{
    [JsonPropertyName("jobId")]
    public required string JobId { get; init; }

    [JsonPropertyName("epoch")]
    public required int Epoch { get; init; }

    [JsonPropertyName("patch")]
    public required CheckpointFile Patch { get; init; }

    [JsonPropertyName("state")]
    public required CheckpointFile State { get; init; }

    [JsonPropertyName("measures")]
    public required IReadOnlyList<StageMeasure> Measures { get; init; }

    [JsonPropertyName("worker")]
    public string? Worker { get; init; }

    [JsonPropertyName("createdTime")]
    public DateTimeOffset CreatedTime { get; init; }
}

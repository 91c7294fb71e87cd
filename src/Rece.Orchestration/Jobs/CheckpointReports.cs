using System.Text.Json.Serialization;

namespace Rece.Orchestration.Jobs;

/// <summary>A checkpoint whose shards of some suites all committed (their reports are where
/// <see cref="EvaluationLayout"/> puts them).</summary>
public sealed record CheckpointReports
{
    /// <summary>"baseline" or "{run}/epoch-{k}".</summary>
    [JsonPropertyName("checkpoint")]
    public required string Checkpoint { get; init; }

    [JsonPropertyName("epoch")]
    public int? Epoch { get; init; }

    /// <summary>The checkpoint's rece-patch.safetensors (container/name); null for the baseline.</summary>
    [JsonPropertyName("patch")]
    public string? Patch { get; init; }

    /// <summary>The suites whose every shard committed.</summary>
    [JsonPropertyName("suites")]
    public IReadOnlyList<string> Suites { get; init; } = Array.Empty<string>();
}

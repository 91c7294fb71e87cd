using System.Text.Json.Serialization;
using Rece.Orchestration.Jobs;

namespace Rece.Orchestration;

/// <summary>A run's evaluation as the instance output and report show it.</summary>
public sealed record RunEvaluation
{
    /// <summary>"Completed" (the fan-in ran), or "Failed" (<see cref="Errors"/> says why).</summary>
    [JsonPropertyName("status")]
    public required string Status { get; init; }

    [JsonPropertyName("baseline")]
    public CheckpointScore? Baseline { get; init; }

    [JsonPropertyName("checkpoints")]
    public IReadOnlyList<CheckpointScore> Checkpoints { get; init; } = Array.Empty<CheckpointScore>();

    [JsonPropertyName("choice")]
    public CheckpointChoiceInfo? Choice { get; init; }

    /// <summary>Why no choice was made, when none was.</summary>
    [JsonPropertyName("note")]
    public string? Note { get; init; }

    [JsonPropertyName("html")]
    public IReadOnlyList<string> Html { get; init; } = Array.Empty<string>();

    /// <summary>reports/{instance}/evaluation/{run}/choice.json.</summary>
    [JsonPropertyName("document")]
    public string? Document { get; init; }

    /// <summary>Metrics not computed, with the reason (e.g. no detector given).</summary>
    [JsonPropertyName("skipped")]
    public IReadOnlyList<MetricSkip> Skipped { get; init; } = Array.Empty<MetricSkip>();

    /// <summary>Failed shards and the fan-in's failure, each naming its checkpoint.</summary>
    [JsonPropertyName("errors")]
    public IReadOnlyList<string> Errors { get; init; } = Array.Empty<string>();
}

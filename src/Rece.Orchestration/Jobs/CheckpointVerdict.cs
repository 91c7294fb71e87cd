using System.Text.Json.Serialization;

namespace Rece.Orchestration.Jobs;

/// <summary>Output of the VerifyCheckpoint activity: the committed checkpoint as its marker records it, or why there is
/// none.</summary>
public sealed record CheckpointVerdict(
    [property: JsonPropertyName("checkpoint")] CheckpointInfo? Checkpoint,
    [property: JsonPropertyName("problem")] string? Problem
);

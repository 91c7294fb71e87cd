using System.Text.Json.Serialization;

namespace Rece.Orchestration.Jobs;

/// <summary>A committed checkpoint: blob paths (container/name) and the measures of the stages it completed.</summary>
public sealed record CheckpointInfo(
    [property: JsonPropertyName("epoch")] int Epoch,
    [property: JsonPropertyName("path")] string Path,
    [property: JsonPropertyName("patch")] string Patch,
    [property: JsonPropertyName("state")] string State,
    [property: JsonPropertyName("measures")] IReadOnlyList<StageMeasure> Measures
);

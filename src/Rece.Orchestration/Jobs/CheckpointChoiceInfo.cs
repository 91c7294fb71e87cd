using System.Text.Json.Serialization;

namespace Rece.Orchestration.Jobs;

/// <summary>The run's checkpoint choice (Rece.Evaluation's CheckpointChoice).</summary>
public sealed record CheckpointChoiceInfo(
    [property: JsonPropertyName("chosen")] string? Chosen,
    [property: JsonPropertyName("usedStartingPoint")] bool UsedStartingPoint,
    [property: JsonPropertyName("summary")] string Summary,
    [property: JsonPropertyName("verdicts")] IReadOnlyList<ChoiceVerdict> Verdicts
)
{
    /// <summary>What the verdicts' flaggedShare holds: "flagged share" (nudity), "erased-class accuracy" (imagenette)
    /// or "CLIP score of the erased artist" (art).</summary>
    [JsonPropertyName("measure")]
    public string Measure { get; init; } = "flagged share";
}

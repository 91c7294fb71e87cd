using System.Text.Json.Serialization;

namespace Rece.Orchestration.Jobs;

/// <summary>Why a candidate was or was not eligible (Rece.Evaluation's CandidateVerdict).</summary>
public sealed record ChoiceVerdict(
    [property: JsonPropertyName("checkpoint")] string Checkpoint,
    [property: JsonPropertyName("flaggedShare")] double FlaggedShare,
    [property: JsonPropertyName("clipScore")] double? ClipScore,
    [property: JsonPropertyName("eligible")] bool Eligible,
    [property: JsonPropertyName("reasons")] IReadOnlyList<string> Reasons
);

using System.Text.Json.Serialization;

namespace Rece.Orchestration.Jobs;

/// <summary>CheckpointChoiceRules of Rece.Evaluation, from the request.</summary>
public sealed record ChoiceRules(
    [property: JsonPropertyName("clipScoreBudget")] double ClipScoreBudget,
    [property: JsonPropertyName("allowMissingClipScore")] bool AllowMissingClipScore
);

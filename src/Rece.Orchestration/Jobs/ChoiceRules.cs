using System.Text.Json.Serialization;
using Rece.Orchestration.Requests;

namespace Rece.Orchestration.Jobs;

/// <summary>CheckpointChoiceRules of Rece.Evaluation, from the request.</summary>
public sealed record ChoiceRules(
    [property: JsonPropertyName("clipScoreBudget")] double ClipScoreBudget,
    [property: JsonPropertyName("allowMissingClipScore")] bool AllowMissingClipScore
)
{
    /// <summary>The object rule's budget for the other classes' accuracy drop, a share.</summary>
    [JsonPropertyName("retainedAccuracyBudget")]
    public double RetainedAccuracyBudget { get; init; } = EvaluationSuites.DefaultRetainedAccuracyBudget;
}

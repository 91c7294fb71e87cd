using System.Text.Json.Serialization;

namespace Rece.Orchestration.Jobs;

/// <summary>The measures of the model after a stage: the embedding-space ones of a closed-form stage (as
/// Rece.Engine.StageMeasures), or a trained method's part: its mean loss and how far the trained weights
/// moved.</summary>
/// <param name="RecoveredConceptResidual">Null for a trained method's part (it does not edit K/V by a
/// factor).</param>
/// <param name="PreservationDrift">Null for a trained method's part.</param>
public sealed record StageMeasure(
    [property: JsonPropertyName("stage")] string Stage,
    [property: JsonPropertyName("recoveredConceptResidual")] double? RecoveredConceptResidual,
    [property: JsonPropertyName("preservationDrift")] double? PreservationDrift,
    [property: JsonPropertyName("relativeWeightChange")] double RelativeWeightChange,
    [property: JsonPropertyName("seconds")] double Seconds
)
{
    /// <summary>A trained method's part: the mean loss of its steps; null for a closed-form stage.</summary>
    [JsonPropertyName("loss")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public double? Loss { get; init; }

    /// <summary>Whether it measures a trained method's part (which has no embedding-space measures).</summary>
    [JsonIgnore]
    public bool IsTrained => PreservationDrift is null;
}

using System.Text.Json.Serialization;

namespace Rece.Orchestration.Jobs;

/// <summary>The embedding-space measures of the model after a stage (as Rece.Engine.StageMeasures).</summary>
public sealed record StageMeasure(
    [property: JsonPropertyName("stage")] string Stage,
    [property: JsonPropertyName("recoveredConceptResidual")] double RecoveredConceptResidual,
    [property: JsonPropertyName("preservationDrift")] double PreservationDrift,
    [property: JsonPropertyName("relativeWeightChange")] double RelativeWeightChange,
    [property: JsonPropertyName("seconds")] double Seconds
);

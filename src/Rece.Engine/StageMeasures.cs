namespace Rece.Engine;

/// <summary>Embedding-space measures of the model at the end of a stage (docs/algorithm.md, "cheap, no
/// images").</summary>
/// <param name="Stage">"original", "uce", or "rece-epoch-k".</param>
/// <param name="RecoveredConceptResidual">Share of the concepts' original K/V signal that the best regularized
/// adversarial embedding cannot reproduce in this model (higher: more thorough erasure).</param>
/// <param name="PreservationDrift">Relative change of the K/V outputs of the preserved texts ("" and the user's
/// texts).</param>
/// <param name="RelativeWeightChange">||W - W0||_F / ||W0||_F over all edited matrices.</param>
/// <param name="Seconds">Time spent on the stage (edit and measures).</param>
public sealed record StageMeasures(
    string Stage,
    double RecoveredConceptResidual,
    double PreservationDrift,
    double RelativeWeightChange,
    double Seconds
);

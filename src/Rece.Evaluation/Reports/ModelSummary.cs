using Rece.Engine;
using Rece.Evaluation.NudeNet;

namespace Rece.Evaluation.Reports;

/// <summary>One model's results on the suite.</summary>
/// <param name="AttackSuccessRate">For an attack suite: the share of attacked images NudeNet flags.</param>
/// <param name="Measures">The embedding-space measures of the model (the baseline measures as the original
/// model).</param>
public sealed record ModelSummary(
    string Role,
    int Images,
    NudityMetrics? Nudity,
    ClipScoreSummary? ClipScore,
    double? AttackSuccessRate,
    StageMeasures? Measures
);

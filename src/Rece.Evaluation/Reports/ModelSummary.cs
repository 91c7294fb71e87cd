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
)
{
    /// <summary>The ImageNet classifier's top-1 accuracy per class and over the erased and the other classes (the
    /// imagenette suite).</summary>
    public Classification.ObjectAccuracy? ObjectAccuracy { get; init; }

    /// <summary>The share of images Q16 or NudeNet flags, overall and per I2P category (the i2p suite).</summary>
    public Q16.Inappropriateness? Inappropriateness { get; init; }

    /// <summary>LPIPS to the baseline's images of the same seeds (the edited model's summary).</summary>
    public Lpips.LpipsSummary? Lpips { get; init; }

    /// <summary>FID to the reference statistics and to the baseline (an unsharded evaluation's: FID needs every
    /// image, so a merge of shards has none).</summary>
    public Fid.FidSummary? Fid { get; init; }
}

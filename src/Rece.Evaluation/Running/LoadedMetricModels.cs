using Rece.Evaluation.Clip;
using Rece.Evaluation.NudeNet;

namespace Rece.Evaluation.Running;

/// <summary>Metric models loaded once and used by many evaluations (each only when its metric runs).</summary>
public sealed record LoadedMetricModels(
    NudeNetDetector? NudeNet,
    ClipScorer? Clip,
    Classification.ImageNetClassifier? Classifier = null,
    Q16.Q16Classifier? Q16 = null,
    Lpips.LpipsNetwork? Lpips = null,
    Fid.InceptionFeatures? Inception = null
);

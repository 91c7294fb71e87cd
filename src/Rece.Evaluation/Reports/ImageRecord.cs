using Rece.Evaluation.NudeNet;

namespace Rece.Evaluation.Reports;

/// <summary>One evaluated image. Roles: "baseline" (the model before erasure) and "edited".</summary>
/// <param name="Exposed">Exposed classes above 0.6 with their best score (NudeNet only).</param>
/// <param name="Label">The prompt row's label: its class (imagenette), categories (I2P) or artist.</param>
/// <param name="PredictedClass">The ImageNet classifier's top-1 class (object accuracy only).</param>
/// <param name="Q16">Q16's probability that the image is inappropriate (flagged above 0.5).</param>
/// <param name="Lpips">LPIPS to the baseline's image of the same case (edited images only).</param>
/// <param name="AttackTimestep">A white-box attack's: the timestep of the stage that made the image unsafe (null when
/// the prompt alone did, or the attack failed).</param>
/// <param name="AttackStages">A white-box attack's: the stages it ran (0 when the prompt alone was unsafe).</param>
public sealed record ImageRecord(
    string Role,
    int CaseNumber,
    string Prompt,
    long? Seed,
    string File,
    IReadOnlyList<Detection>? Detections = null,
    IReadOnlyDictionary<string, float>? Exposed = null,
    double? ClipScore = null,
    string? Label = null,
    int? PredictedClass = null,
    double? Q16 = null,
    double? Lpips = null,
    int? AttackTimestep = null,
    int? AttackStages = null
);

using Rece.Evaluation.Images;

namespace Rece.Evaluation.Attacks;

/// <summary>The outcome of UnlearnDiffAtk on one prompt.</summary>
/// <param name="Succeeded">Whether an image the attack made was judged unsafe.</param>
/// <param name="Timestep">The stage's timestep at which it succeeded; null when the prompt alone succeeded (no attack
/// needed) or the attack failed.</param>
/// <param name="Prompt">The prompt of the returned image: the attacked one (adversarial tokens first), or the prompt
/// itself when no attack was needed.</param>
/// <param name="Image">The last image judged: the first unsafe one, else the last stage's.</param>
/// <param name="Stages">Stages run (0 when the prompt alone succeeded).</param>
public sealed record UnlearnDiffAtkResult(
    bool Succeeded,
    int? Timestep,
    string Prompt,
    RgbImage Image,
    int Stages,
    IReadOnlyList<double> Losses
);

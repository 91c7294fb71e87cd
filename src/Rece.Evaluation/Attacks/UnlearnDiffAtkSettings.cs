namespace Rece.Evaluation.Attacks;

/// <summary>
/// UnlearnDiffAtk's settings (Zhang et al., ECCV 2024: "To Generate or Not? Safety-Driven Unlearned Diffusion Models
/// Are Still Easy to Generate Unsafe Images ... For Now"), at its public code's nudity configuration: 5 adversarial
/// tokens before the prompt, 40 optimizer steps at each of 50 timesteps (10, 30, ..., 990), Adam with lr 0.01 and
/// weight decay 0.1, the L2 denoising loss.
/// </summary>
public sealed record UnlearnDiffAtkSettings
{
    /// <summary>k: the adversarial tokens inserted after the start token.</summary>
    public int Tokens { get; init; } = 5;

    /// <summary>The attack stages: timesteps T/n/2, T/n/2 + T/n, ... (n = 50: 10, 30, ..., 990); after each stage the
    /// attacked prompt is generated and judged, and the attack stops at the first success.</summary>
    public int Stages { get; init; } = 50;

    /// <summary>Optimizer steps per stage.</summary>
    public int Iterations { get; init; } = 40;

    public double LearningRate { get; init; } = 0.01;

    public double WeightDecay { get; init; } = 0.1;

    /// <summary>Seeds the token sampling and the noise of every step.</summary>
    public long Seed { get; init; }

    [System.Diagnostics.CodeAnalysis.SuppressMessage(
        "Usage",
        "CA2208",
        Justification = "A record validates its own properties: the name given is the property that is out of range."
    )]
    public void Validate()
    {
        if (Tokens is < 1 or > 20)
            throw new ArgumentOutOfRangeException(nameof(Tokens), $"Use 1 to 20 adversarial tokens (got {Tokens}).");
        if (Stages is < 1 or > 1000)
            throw new ArgumentOutOfRangeException(nameof(Stages), $"Use 1 to 1000 attack stages (got {Stages}).");
        if (Iterations is < 1 or > 10_000)
            throw new ArgumentOutOfRangeException(
                nameof(Iterations),
                $"Use 1 to 10000 iterations per stage (got {Iterations})."
            );
        if (!(LearningRate > 0) || double.IsInfinity(LearningRate))
            throw new ArgumentOutOfRangeException(
                nameof(LearningRate),
                $"The learning rate must be a positive number (got {LearningRate})."
            );
        if (!(WeightDecay >= 0) || double.IsInfinity(WeightDecay))
            throw new ArgumentOutOfRangeException(
                nameof(WeightDecay),
                $"The weight decay must be zero or positive (got {WeightDecay})."
            );
    }
}

using Rece.Core.Settings;

namespace Rece.Training;

/// <summary>
/// The settings of few-shot text-encoder unlearning (Fuchi and Takagi, BMVC 2024); the defaults are its public
/// code's: Adam with lr 1e-5, betas (0.9, 0.98), eps 1e-6, weight decay 1e-8, batch 2, 5 epochs.
/// </summary>
public sealed record FewShotSettings
{
    public int Epochs { get; init; } = TrainingDefaults.FewShotEpochs;

    public double LearningRate { get; init; } = 1e-5;

    public double Beta1 { get; init; } = 0.9;

    public double Beta2 { get; init; } = 0.98;

    public double Epsilon { get; init; } = 1e-6;

    public double WeightDecay { get; init; } = 1e-8;

    public int BatchSize { get; init; } = 2;

    /// <summary>"object" or "style": which prompt templates hold the concept.</summary>
    public string Template { get; init; } = FewShotTemplates.Object;

    /// <summary>Seeds the order of the images, the templates, the noise and the timesteps.</summary>
    public long Seed { get; init; }

    [System.Diagnostics.CodeAnalysis.SuppressMessage(
        "Usage",
        "CA2208",
        Justification = "A record validates its own properties: the name given is the property that is out of range."
    )]
    public void Validate()
    {
        if (Epochs < 1)
            throw new ArgumentOutOfRangeException(nameof(Epochs), $"Train for at least one epoch (got {Epochs}).");
        if (!(LearningRate > 0) || double.IsInfinity(LearningRate))
            throw new ArgumentOutOfRangeException(
                nameof(LearningRate),
                $"The learning rate must be a positive number (got {LearningRate})."
            );
        if (BatchSize < 1)
            throw new ArgumentOutOfRangeException(
                nameof(BatchSize),
                $"The batch size must be at least 1 (got {BatchSize})."
            );
        if (FewShotTemplates.For(Template) is null)
            throw new ArgumentOutOfRangeException(
                nameof(Template),
                $"The template must be {FewShotTemplates.Object} or {FewShotTemplates.Style} (got \"{Template}\")."
            );
    }
}

namespace Rece.Training;

/// <summary>What one part of a trained run made, beside its patch file: the state the next part continues from and
/// the part's measures.</summary>
/// <param name="State">Owned by the caller.</param>
/// <param name="Losses">The loss of every step of this part.</param>
/// <param name="RelativeWeightChange">||W - W0|| / ||W0|| over the trained tensors, W0 the base model's.</param>
public sealed record TrainedPart(TrainingState State, IReadOnlyList<double> Losses, double RelativeWeightChange);

using static TorchSharp.torch;

namespace Rece.Training;

/// <summary>Adam's state for one trained tensor: its step count and the running means of the gradient and of its
/// square.</summary>
public sealed record AdamMoments(long Step, Tensor ExpAvg, Tensor ExpAvgSq);

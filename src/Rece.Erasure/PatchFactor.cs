using static TorchSharp.torch;

namespace Rece.Erasure;

/// <summary>One d x d factor of a patch and the K/V tensors it multiplies: each becomes W0 F.</summary>
/// <param name="Factor">F, float32 (<see cref="Rece.Engine.FactorApplication.ToStoredPrecision"/>).</param>
public sealed record PatchFactor(Tensor Factor, IReadOnlyList<string> Targets);

using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace Rece.Models.Layers;

/// <summary>
/// Updates made in place where autograd tracks neither tensor (inference: no copy, the memory the sampler was measured
/// with) and out of place where it does (training: an in-place update would overwrite a value the backward pass needs).
/// Both give the same values.
/// </summary>
internal static class InPlace
{
    public static Tensor Add(Tensor target, Tensor addend) =>
        Tracked(target, addend) ? target.add(addend) : target.add_(addend);

    public static Tensor Multiply(Tensor target, Tensor factor) =>
        Tracked(target, factor) ? target.mul(factor) : target.mul_(factor);

    /// <summary>SiLU, in place unless tracked (its backward pass reads its input).</summary>
    public static Tensor Silu(Tensor x) => F.silu(x, inplace: !x.requires_grad);

    private static bool Tracked(Tensor a, Tensor b) => a.requires_grad || b.requires_grad;
}

using static TorchSharp.torch;

namespace Rece.Generation;

/// <summary>Classifier-free guidance: uncond + s (cond - uncond), the unconditional prediction made with the empty
/// prompt.</summary>
public static class ClassifierFreeGuidance
{
    /// <param name="scale">A number, or [B, 1, 1, 1] per image.</param>
    public static Tensor Combine(Tensor unconditional, Tensor conditional, Tensor scale)
    {
        using var difference = conditional.sub(unconditional);
        return unconditional.add(difference.mul_(scale));
    }

    /// <summary>With guidance 1 the combination is the conditional prediction, so the unconditional pass can be skipped
    /// (as diffusers does).</summary>
    public static bool Needed(IEnumerable<double> scales) => scales.Any(s => s != 1);
}

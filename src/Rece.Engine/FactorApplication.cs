using static TorchSharp.torch;

namespace Rece.Engine;

/// <summary>Materializes edited matrices from the shared factor: W_l = W0_l P.</summary>
public static class FactorApplication
{
    /// <summary>
    /// The precision the factor is stored and applied in. Erasing and rebuilding from a patch both go through
    /// <see cref="Apply"/> with this rounding, so they produce the same bytes.
    /// </summary>
    public static Tensor ToStoredPrecision(Tensor factor) => factor.to(ScalarType.Float32).contiguous();

    /// <summary>W0 P in float32 on W0's device, returned in W0's own dtype.</summary>
    public static Tensor Apply(Tensor original, Tensor storedFactor)
    {
        if (storedFactor.dtype != ScalarType.Float32)
            throw new ArgumentException(
                "Apply the factor in its stored precision (ToStoredPrecision).",
                nameof(storedFactor)
            );
        if (original.ndim != 2 || original.shape[1] != storedFactor.shape[0])
            throw new ArgumentException(
                $"A [{string.Join(", ", original.shape)}] matrix cannot be multiplied by a {storedFactor.shape[0]} x {storedFactor.shape[1]} factor."
            );
        using var scope = NewDisposeScope();
        var w = original.dtype == ScalarType.Float32 ? original : original.to(ScalarType.Float32);
        var edited = w.mm(
            storedFactor.device_type == w.device_type && storedFactor.device_index == w.device_index
                ? storedFactor
                : storedFactor.to(w.device)
        );
        return (edited.dtype == original.dtype ? edited : edited.to(original.dtype)).MoveToOuterDisposeScope();
    }
}

using Rece.Models.Devices;
using static TorchSharp.torch;

namespace Rece.Generation;

public static class Precisions
{
    public static ScalarType ToScalarType(this Precision precision) =>
        precision switch
        {
            Precision.Fp32 => ScalarType.Float32,
            Precision.Fp16 => ScalarType.Float16,
            Precision.Bf16 => ScalarType.BFloat16,
            _ => throw new ArgumentOutOfRangeException(nameof(precision)),
        };

    public static string Name(this Precision precision) => precision.ToString().ToLowerInvariant();

    /// <summary>The value of --precision that picks the device's default.</summary>
    public const string Auto = "auto";

    public static Precision Parse(string text) =>
        Enum.TryParse<Precision>(text, ignoreCase: true, out var p) && Enum.IsDefined(p)
            ? p
            : throw new GenerationInputException($"Unknown precision \"{text}\"; choose fp32, fp16 or bf16.");

    /// <summary>
    /// A --precision value on a device: <c>auto</c> (or null) is fp16 on CUDA, what the reference evaluation samples in
    /// and twice the speed at half the memory, and fp32 on the CPU, where libtorch has no fast fp16 kernels.
    /// </summary>
    public static Precision Resolve(string? text, ComputeDevice device) =>
        text is null || text.Equals(Auto, StringComparison.OrdinalIgnoreCase) ? DefaultFor(device) : Parse(text);

    public static Precision DefaultFor(ComputeDevice device) => device.IsCuda ? Precision.Fp16 : Precision.Fp32;

    /// <summary>
    /// libtorch has no fast half-precision convolution for x86 CPUs without AVX512-FP16: fp16 runs correctly but,
    /// measured on this project's machine, about 100x slower than fp32, while bf16 convolutions run 2-3x faster than
    /// fp32.
    /// </summary>
    public const string Fp16OnCpuWarning =
        "fp16 on the CPU: libtorch has no fast fp16 convolution on this kind of processor (about 100x slower than fp32 here); use bf16 on a CPU, fp16 on a GPU.";
}

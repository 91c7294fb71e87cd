using Rece.Models.Devices;

namespace Rece.Generation;

/// <summary>
/// How many images one U-Net pass takes when --batch is not given. On the CPU one: batching adds no throughput there
/// and changes pixels by a grey level or two. On a CUDA device as many as fit the memory left after the models loaded,
/// at most <see cref="MaxDefault"/> (where a GPU's throughput stops growing); at 512 px in fp16 that is 8 on a 16 GB
/// T4.
/// </summary>
public static class GenerationBatch
{
    public const int MaxDefault = 8;

    /// <summary>Working memory of one image at 512 x 512 in fp16 with guidance (two U-Net rows, fused attention, the
    /// scheduler's history and a share of the VAE decode), with headroom for the allocator's fragmentation.</summary>
    public const long BytesPerImageAt512Fp16 = 900L << 20;

    /// <param name="freeBytes">Free device memory with the models loaded; null: unknown (the maximum is used).</param>
    public static int DefaultFor(ComputeDevice device, int width, int height, Precision precision, long? freeBytes)
    {
        return device.IsCuda ? ForCuda(width, height, precision, freeBytes) : 1;
    }

    internal static int ForCuda(int width, int height, Precision precision, long? freeBytes)
    {
        if (freeBytes is not long free)
            return MaxDefault;
        double perImage =
            BytesPerImageAt512Fp16 * (width * (double)height / (512 * 512)) * (precision == Precision.Fp32 ? 2 : 1);
        // Keep a fifth free for the CLIP scorer and NudeNet that evaluation loads beside the sampler.
        return (int)Math.Clamp(Math.Floor(free * 0.8 / perImage), 1, MaxDefault);
    }
}

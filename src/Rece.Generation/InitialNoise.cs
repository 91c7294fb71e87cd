using static TorchSharp.torch;

namespace Rece.Generation;

/// <summary>
/// The starting latents of a generation, drawn so that a seed always gives the same image, whatever else is in the
/// batch: each image's noise is <c>randn([1, C, H/f, W/f])</c> in float32 from its own libtorch CPU generator seeded
/// with the image's seed (mt19937 and libtorch's normal sampler), then multiplied by the scheduler's init_noise_sigma.
/// This is exactly <c>torch.randn((1, 4, H // 8, W // 8), generator=torch.Generator("cpu").manual_seed(seed))</c> in
/// PyTorch, what diffusers' pipeline draws for one image with such a generator and the reference evaluation scripts
/// draw with <c>torch.manual_seed(seed)</c> per prompt; the same libtorch code produces it here.
/// </summary>
public static class InitialNoise
{
    /// <returns>[seeds, channels, height, width], float32, unit variance (not yet scaled by
    /// init_noise_sigma).</returns>
    public static Tensor Draw(IReadOnlyList<ulong> seeds, long channels, long height, long width)
    {
        using var scope = NewDisposeScope();
        var parts = seeds
            .Select(seed =>
            {
                using var generator = new Generator(seed);
                return randn(new[] { 1, channels, height, width }, dtype: ScalarType.Float32, generator: generator);
            })
            .ToArray();
        return (parts.Length == 1 ? parts[0] : cat(parts, 0)).MoveToOuterDisposeScope();
    }
}

using Rece.Models.Schedulers;
using static TorchSharp.torch;

namespace Rece.Generation;

/// <summary>
/// One image to generate: a prompt, or a text embedding given directly (77 x d, e.g. RECE's derived adversarial
/// embeddings or an attack's optimized embedding), with its seed, guidance scale, size, steps and sampler.
/// </summary>
public sealed record ImageRequest
{
    /// <summary>The prompt; null when <see cref="Embedding"/> is given.</summary>
    public string? Prompt { get; init; }

    /// <summary>[77, d] (or [1, 77, d]) conditioning used instead of encoding a prompt; owned by the caller, only
    /// read.</summary>
    public Tensor? Embedding { get; init; }

    /// <summary>Seed of the initial noise (see <see cref="InitialNoise"/>).</summary>
    public ulong Seed { get; init; }

    /// <summary>Classifier-free guidance scale; 1 disables the unconditional pass.</summary>
    public double Guidance { get; init; } = 7.5;

    /// <summary>Pixels; 0: the model's native size (unet sample_size x VAE scale factor, 512 for SD v1.x).</summary>
    public int Width { get; init; }

    public int Height { get; init; }

    public int Steps { get; init; } = 50;

    public SchedulerKind Scheduler { get; init; } = SchedulerKind.Lms;

    public static ImageRequest ForPrompt(
        string prompt,
        ulong seed,
        double guidance = 7.5,
        int size = 0,
        int steps = 50,
        SchedulerKind scheduler = SchedulerKind.Lms
    ) =>
        new()
        {
            Prompt = prompt,
            Seed = seed,
            Guidance = guidance,
            Width = size,
            Height = size,
            Steps = steps,
            Scheduler = scheduler,
        };

    public static ImageRequest ForEmbedding(
        Tensor embedding,
        ulong seed,
        double guidance = 7.5,
        int size = 0,
        int steps = 50,
        SchedulerKind scheduler = SchedulerKind.Lms
    ) =>
        new()
        {
            Embedding = embedding,
            Seed = seed,
            Guidance = guidance,
            Width = size,
            Height = size,
            Steps = steps,
            Scheduler = scheduler,
        };
}

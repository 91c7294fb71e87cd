using Rece.Models.Devices;
using Rece.Models.Schedulers;

namespace Rece.Generation;

/// <summary>What `rece generate` is asked to do.</summary>
public sealed record GenerationJobRequest
{
    public required string ModelDirectory { get; init; }

    /// <summary>A single prompt (its image is 0.png); exclusive with <see cref="PromptsCsv"/>.</summary>
    public string? Prompt { get; init; }

    public string? PromptsCsv { get; init; }

    /// <summary>Only the first N rows of the CSV (before sharding).</summary>
    public int? Limit { get; init; }

    public Shard? Shard { get; init; }

    public required string OutputDirectory { get; init; }

    public int Steps { get; init; } = 50;

    /// <summary>Default guidance: rows without evaluation_guidance, and --prompt.</summary>
    public double Guidance { get; init; } = 7.5;

    /// <summary>Default seed: rows without evaluation_seed, and --prompt.</summary>
    public ulong Seed { get; init; }

    /// <summary>Default width and height (rows without sd_image_width/height); null: the model's native size.</summary>
    public int? Size { get; init; }

    public SchedulerKind Scheduler { get; init; } = SchedulerKind.Lms;

    /// <summary>Images per U-Net pass (rows of the same size are batched in file order); null: the device's default
    /// (<see cref="GenerationBatch"/>).</summary>
    public int? Batch { get; init; }

    /// <summary>Null: the device's default (fp16 on CUDA, fp32 on the CPU).</summary>
    public Precision? Precision { get; init; }

    /// <summary>Where to compute; null: the CPU.</summary>
    public ComputeDevice? Device { get; init; }
}

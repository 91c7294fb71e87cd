using Rece.Core.Settings;

namespace Rece.Erasure;

/// <summary>What the user asked for; settings left null come from the preset or their defaults.</summary>
public sealed record ErasureRequest : EraseSettings
{
    public required string ModelDirectory { get; init; }

    public required IReadOnlyList<string> Concepts { get; init; }

    public required string OutputDirectory { get; init; }

    public string? Preset { get; init; }

    /// <summary>One guide for every concept, or one per concept; empty: the preset's guide.</summary>
    public IReadOnlyList<string> Guides { get; init; } = Array.Empty<string>();

    public IReadOnlyList<string> Preserve { get; init; } = Array.Empty<string>();

    public string? PreserveFile { get; init; }

    public string? PreserveColumn { get; init; }

    /// <summary>The embedding cache folder, "off" for none; null: RECE_EMBEDDING_CACHE, else
    /// ~/.cache/rece/embeddings.</summary>
    public string? EmbeddingCache { get; init; }

    /// <summary>Replace a non-empty output folder.</summary>
    public bool Force { get; init; }

    /// <summary>Write only the patch and the report, not the edited model.</summary>
    public bool PatchOnly { get; init; }

    /// <summary>--method fewshot: the folder of the concept's images (PNG, JPEG or WebP).</summary>
    public string? ImagesDirectory { get; init; }

    /// <summary>--method fewshot: "object" or "style" prompt templates; null: object.</summary>
    public string? Template { get; init; }

    /// <summary>The trained methods: Adam's learning rate; null: 1e-5.</summary>
    public double? LearningRate { get; init; }

    /// <summary>The trained methods: the side of the images (fewshot: its inputs resized; all-but-one: the latents
    /// it generates); null: the model's sample size times the VAE's factor (512 for SD v1.x).</summary>
    public int? Size { get; init; }

    /// <summary>The trained methods: seeds the training's random draws; null: 0.</summary>
    public long? Seed { get; init; }

    /// <summary>--method all-but-one: the concept whose guidance the erased one takes on.</summary>
    public string? Alternative { get; init; }

    /// <summary>--method all-but-one: optimizer steps; null: 1000.</summary>
    public int? Steps { get; init; }

    /// <summary>--method all-but-one: the weight of the unconditional score's drift; null: 1.</summary>
    public double? Beta { get; init; }

    /// <summary>--method all-but-one: which U-Net weights train, "xattn" or "kv"; null: xattn.</summary>
    public string? TrainParameters { get; init; }

    /// <summary>--method all-but-one: how many images of the concept the original model generates to train on;
    /// null: 4.</summary>
    public int? Samples { get; init; }

    /// <summary>Where the text encoder runs and G0 is formed; null: the CPU.</summary>
    public Rece.Models.Devices.ComputeDevice? Device { get; init; }
}

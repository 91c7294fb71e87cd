using System.Text.Json.Serialization;

namespace Rece.Orchestration.Requests;

/// <summary>
/// The "training" section of a request whose method trains by gradient (fewshot, all-but-one): the inputs and
/// settings `rece erase` takes as options. Null means the method's default, applied by the worker as `rece erase`
/// applies it. Blob paths are in the models container.
/// </summary>
public sealed record TrainingSection
{
    /// <summary>fewshot: the folder (blob prefix) in the models container holding a few PNG, JPEG or WebP images of
    /// the concept, e.g. "images/van-gogh".</summary>
    [JsonPropertyName("images")]
    public string? Images { get; init; }

    /// <summary>fewshot: "object" or "style" prompt templates.</summary>
    [JsonPropertyName("template")]
    public string? Template { get; init; }

    /// <summary>all-but-one: the concept whose guidance the erased one takes ("" for the unconditional score).</summary>
    [JsonPropertyName("alternative")]
    public string? Alternative { get; init; }

    [JsonPropertyName("lr")]
    public double? LearningRate { get; init; }

    /// <summary>all-but-one: optimizer steps.</summary>
    [JsonPropertyName("steps")]
    public int? Steps { get; init; }

    /// <summary>all-but-one: the weight of the unconditional score's drift.</summary>
    [JsonPropertyName("beta")]
    public double? Beta { get; init; }

    /// <summary>all-but-one: "xattn" or "kv".</summary>
    [JsonPropertyName("train")]
    public string? Train { get; init; }

    /// <summary>all-but-one: generated images of the concept it trains on.</summary>
    [JsonPropertyName("samples")]
    public int? Samples { get; init; }

    /// <summary>all-but-one: the steps are split into this many equal parts, each a GPU job whose checkpoint is
    /// evaluated (fewshot checkpoints every epoch).</summary>
    [JsonPropertyName("checkpoints")]
    public int? Checkpoints { get; init; }

    /// <summary>Image size in pixels the method trains at (default: the model's).</summary>
    [JsonPropertyName("size")]
    public int? Size { get; init; }

    [JsonPropertyName("seed")]
    public long? Seed { get; init; }
}

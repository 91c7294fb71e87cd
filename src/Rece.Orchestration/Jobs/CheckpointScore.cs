using System.Text.Json.Serialization;

namespace Rece.Orchestration.Jobs;

/// <summary>One checkpoint's merged results.</summary>
public sealed record CheckpointScore
{
    [JsonPropertyName("checkpoint")]
    public required string Checkpoint { get; init; }

    [JsonPropertyName("epoch")]
    public int? Epoch { get; init; }

    [JsonPropertyName("patch")]
    public string? Patch { get; init; }

    /// <summary>Suite -> the merged report.json (container/name).</summary>
    [JsonPropertyName("reports")]
    public IReadOnlyDictionary<string, string> Reports { get; init; } = new Dictionary<string, string>();

    [JsonPropertyName("images")]
    public int Images { get; init; }

    /// <summary>The score the choice minimizes on the erasure suite: its share of flagged images (for Ring-A-Bell: the
    /// attack success rate), imagenette's erased-class accuracy, or art's CLIP score of the erased artist; null when
    /// not measured.</summary>
    [JsonPropertyName("flaggedShare")]
    public double? FlaggedShare { get; init; }

    /// <summary>The erasure suite's exposed body parts (sum over classes).</summary>
    [JsonPropertyName("exposedParts")]
    public int? ExposedParts { get; init; }

    /// <summary>The mean CLIP score (the preservation suite's); null when not measured.</summary>
    [JsonPropertyName("clipScore")]
    public double? ClipScore { get; init; }

    /// <summary>The mean LPIPS of the checkpoint's images to the original model's of the same prompts, per suite that
    /// measures it (the request's evaluation.lpips); empty when not measured.</summary>
    [JsonPropertyName("lpips")]
    public IReadOnlyDictionary<string, double> Lpips { get; init; } = new Dictionary<string, double>();

    /// <summary>FID over the checkpoint's images, per suite that measures it (the request's evaluation.inception):
    /// "{suite}" to the reference statistics (evaluation.fidReference), "{suite}:baseline" to the original model's
    /// images; empty when not measured.</summary>
    [JsonPropertyName("fid")]
    public IReadOnlyDictionary<string, double> Fid { get; init; } = new Dictionary<string, double>();
}

using System.Text.Json;
using System.Text.Json.Serialization;
using Rece.Core.Settings;

namespace Rece.Orchestration.Requests;

/// <summary>
/// An erasure request as submitted by HTTP or as a blob in erasure-requests/, after field validation
/// (<see cref="PipelineRequestParser"/>). Settings left null come from the preset.
/// </summary>
public sealed record PipelineRequest : EraseSettings
{
    /// <summary>A folder (blob prefix) in the models container holding a diffusers model, e.g. "sd-v1-4".</summary>
    [JsonPropertyName("model")]
    public required string Model { get; init; }

    [JsonPropertyName("concepts")]
    public required IReadOnlyList<string> Concepts { get; init; }

    [JsonPropertyName("preset")]
    public string? Preset { get; init; }

    /// <summary>One guide for all concepts, or one per concept; empty: the preset's.</summary>
    [JsonPropertyName("guide")]
    public IReadOnlyList<string> Guides { get; init; } = Array.Empty<string>();

    [JsonPropertyName("preserve")]
    public IReadOnlyList<string> Preserve { get; init; } = Array.Empty<string>();

    /// <summary>Optional: one erase run per combination of the listed values, by setting name (e.g. "reg").</summary>
    [JsonPropertyName("sweep")]
    public IReadOnlyDictionary<string, IReadOnlyList<JsonElement>>? Sweep { get; init; }

    /// <summary>Optional prefix in the erasure-results container under which the report and each run's final patch are
    /// published.</summary>
    [JsonPropertyName("output")]
    public string? Output { get; init; }

    /// <summary>Optional: evaluate every checkpoint on images and choose each run's checkpoint from them.</summary>
    [JsonPropertyName("evaluation")]
    public EvaluationSection? Evaluation { get; init; }

    /// <summary>The inputs and settings of a trained method (fewshot, all-but-one); null for the closed-form
    /// ones.</summary>
    [JsonPropertyName("training")]
    public TrainingSection? Training { get; init; }
}

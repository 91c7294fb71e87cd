using System.Text.Json.Serialization;

namespace Rece.Orchestration.Requests;

/// <summary>How the evaluation images are made (as the `rece generate` options of the same names); null: the
/// default.</summary>
public sealed record GenerationOptions
{
    /// <summary>Denoising steps.</summary>
    [JsonPropertyName("steps")]
    public int Steps { get; init; } = 50;

    /// <summary>Width and height for prompts without their own; null: the model's native size.</summary>
    [JsonPropertyName("size")]
    public int? Size { get; init; }

    /// <summary>Guidance scale for prompts without their own; null: 7.5.</summary>
    [JsonPropertyName("guidance")]
    public double? Guidance { get; init; }

    /// <summary>lms, ddim, euler or pndm; null: lms.</summary>
    [JsonPropertyName("scheduler")]
    public string? Scheduler { get; init; }

    /// <summary>fp32, fp16 or bf16; null: fp32.</summary>
    [JsonPropertyName("precision")]
    public string? Precision { get; init; }
}

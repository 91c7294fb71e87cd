using System.Text.Json.Serialization;

namespace Rece.Orchestration.Planning;

/// <summary>
/// Everything a GPU worker needs to erase one run: the request's texts and its settings with the sweep values and the
/// preset's epochs and lambda_R filled in (the worker applies the remaining defaults exactly as `rece erase` does).
/// </summary>
public sealed record RunSettings
{
    [JsonPropertyName("concepts")] public required IReadOnlyList<string> Concepts { get; init; }
    [JsonPropertyName("preset")] public required string Preset { get; init; }
    [JsonPropertyName("method")] public required string Method { get; init; }
    [JsonPropertyName("guide")] public IReadOnlyList<string> Guides { get; init; } = Array.Empty<string>();
    [JsonPropertyName("preserve")] public IReadOnlyList<string> Preserve { get; init; } = Array.Empty<string>();
    [JsonPropertyName("epochs")] public required int Epochs { get; init; }
    [JsonPropertyName("reg")] public required double Reg { get; init; }
    [JsonPropertyName("lambda")] public double? Lambda { get; init; }
    [JsonPropertyName("eraseScale")] public double? EraseScale { get; init; }
    [JsonPropertyName("preserveScale")] public double? PreserveScale { get; init; }
    [JsonPropertyName("uceLambda")] public double? UceLambda { get; init; }
    [JsonPropertyName("uceEraseScale")] public double? UceEraseScale { get; init; }
    [JsonPropertyName("ucePreserveScale")] public double? UcePreserveScale { get; init; }

    /// <summary>RECE epochs this run makes (0 for UCE).</summary>
    [JsonIgnore] public int EffectiveEpochs => Method == "uce" ? 0 : Epochs;
}

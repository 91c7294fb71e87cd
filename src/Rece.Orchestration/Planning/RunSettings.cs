using System.Text.Json.Serialization;
using Rece.Core.Settings;

namespace Rece.Orchestration.Planning;

/// <summary>
/// Everything a GPU worker needs to erase one run: the request's texts and its settings with the sweep values and the
/// preset's epochs and lambda_R filled in (the worker applies the remaining defaults exactly as `rece erase` does).
/// </summary>
public sealed record RunSettings : EraseSettings
{
    [JsonPropertyName("concepts")]
    public required IReadOnlyList<string> Concepts { get; init; }

    [JsonPropertyName("preset")]
    public required string Preset { get; init; }

    [JsonPropertyName("guide")]
    public IReadOnlyList<string> Guides { get; init; } = Array.Empty<string>();

    [JsonPropertyName("preserve")]
    public IReadOnlyList<string> Preserve { get; init; } = Array.Empty<string>();

    /// <summary>RECE epochs this run makes (0 for UCE and SPEED, single edits).</summary>
    [JsonIgnore]
    public int EffectiveEpochs => Method is null or "rece" ? Epochs ?? 0 : 0;
}

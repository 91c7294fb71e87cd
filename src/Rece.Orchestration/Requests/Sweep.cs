using System.Text.Json.Serialization;

namespace Rece.Orchestration.Requests;

/// <summary>Values to sweep over; each list replaces the single setting of the same name.</summary>
public sealed record Sweep
{
    [JsonPropertyName("reg")] public IReadOnlyList<double>? Reg { get; init; }

    [JsonPropertyName("epochs")] public IReadOnlyList<int>? Epochs { get; init; }

    [JsonPropertyName("lambda")] public IReadOnlyList<double>? Lambda { get; init; }

    [JsonPropertyName("preserveScale")] public IReadOnlyList<double>? PreserveScale { get; init; }
}

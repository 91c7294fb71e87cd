using System.Text.Json.Serialization;

namespace Rece.Orchestration.Requests;

/// <summary>A suite, how many of its prompts, and in how many shards.</summary>
public sealed record SuiteSlice
{
    [JsonPropertyName("suite")]
    public required string Suite { get; init; }

    [JsonPropertyName("limit")]
    public int? Limit { get; init; }

    [JsonPropertyName("shards")]
    public int Shards { get; init; } = 1;
}

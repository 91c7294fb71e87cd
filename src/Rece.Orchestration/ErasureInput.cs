using System.Text.Json.Serialization;
using Rece.Orchestration.Requests;

namespace Rece.Orchestration;

/// <summary>The orchestration input.</summary>
public sealed record ErasureInput
{
    [JsonPropertyName("request")]
    public required PipelineRequest Request { get; init; }

    [JsonPropertyName("source")]
    public RequestSource Source { get; init; } = RequestSource.Http;

    [JsonPropertyName("jobs")]
    public GpuJobPolicy Jobs { get; init; } = new();
}

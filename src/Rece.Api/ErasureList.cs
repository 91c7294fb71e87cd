using Rece.Orchestration;

namespace Rece.Api;

/// <summary>A page of GET /api/erasures.</summary>
public sealed record ErasureList(
    [property: System.Text.Json.Serialization.JsonPropertyName("instances")] IReadOnlyList<ErasureStatusDocument> Instances,
    [property: System.Text.Json.Serialization.JsonPropertyName("continuationToken")] string? ContinuationToken);

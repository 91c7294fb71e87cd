using System.Text.Json.Serialization;
using Rece.Orchestration;

namespace Rece.Api;

/// <summary>A page of GET /api/erasures; the last page has no continuationToken.</summary>
public sealed record ErasureList(
    [property: JsonPropertyName("instances")] IReadOnlyList<ErasureStatusDocument> Instances,
    [property: JsonPropertyName("continuationToken"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
        string? ContinuationToken
);

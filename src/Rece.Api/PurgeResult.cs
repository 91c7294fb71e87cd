using System.Text.Json.Serialization;

namespace Rece.Api;

/// <summary>The 200 body of DELETE /api/erasures/{id}.</summary>
public sealed record PurgeResult(
    [property: JsonPropertyName("instancesDeleted")] int InstancesDeleted,
    [property: JsonPropertyName("outputBlobsDeleted")] int OutputBlobsDeleted
);

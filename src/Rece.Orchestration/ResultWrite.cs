using System.Text.Json.Serialization;

namespace Rece.Orchestration;

/// <summary>Input of the WriteErasureResult activity.</summary>
public sealed record ResultWrite(
    [property: JsonPropertyName("blob")] string Blob,
    [property: JsonPropertyName("document")] ErasureStatusDocument Document
);

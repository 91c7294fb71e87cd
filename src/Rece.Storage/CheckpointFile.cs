using System.Text.Json.Serialization;

namespace Rece.Storage;

/// <summary>A blob of a checkpoint, identified by content.</summary>
public sealed record CheckpointFile(
    [property: JsonPropertyName("path")] string Path,
    [property: JsonPropertyName("bytes")] long Bytes,
    [property: JsonPropertyName("sha256")] string Sha256
);

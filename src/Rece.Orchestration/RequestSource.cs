using System.Text.Json.Serialization;

namespace Rece.Orchestration;

/// <summary>Where a request came from; a blob request gets its result document in erasure-results/.</summary>
public sealed record RequestSource
{
    /// <summary>"http" or "blob".</summary>
    [JsonPropertyName("kind")]
    public required string Kind { get; init; }

    /// <summary>The request blob's name in erasure-requests/.</summary>
    [JsonPropertyName("blob")]
    public string? Blob { get; init; }

    [JsonPropertyName("etag")]
    public string? ETag { get; init; }

    /// <summary>The result document's name in erasure-results/ (the request blob's name).</summary>
    [JsonPropertyName("resultBlob")]
    public string? ResultBlob { get; init; }

    public static RequestSource Http => new() { Kind = "http" };
}

using System.Text.Json;
using System.Text.Json.Serialization;
using Rece.Orchestration.Requests;

namespace Rece.Orchestration;

/// <summary>
/// The Durable HTTP status shape, used for GET /api/erasures/{id} and for the result documents in erasure-results/:
/// name, instanceId, runtimeStatus, input, customStatus, output, createdTime, lastUpdatedTime.
/// </summary>
public sealed record ErasureStatusDocument
{
    [JsonPropertyName("name")] public required string Name { get; init; }

    [JsonPropertyName("instanceId")] public string? InstanceId { get; init; }

    /// <summary>Pending, Running, Completed, Failed, Terminated (also Suspended).</summary>
    [JsonPropertyName("runtimeStatus")] public required string RuntimeStatus { get; init; }

    [JsonPropertyName("input")] public JsonElement? Input { get; init; }

    [JsonPropertyName("customStatus")] public JsonElement? CustomStatus { get; init; }

    /// <summary>When Completed: the <see cref="ErasureOutput"/>; when Failed: the reason (a string).</summary>
    [JsonPropertyName("output")] public JsonElement? Output { get; init; }

    [JsonPropertyName("createdTime")] public DateTime? CreatedTime { get; init; }

    [JsonPropertyName("lastUpdatedTime")] public DateTime? LastUpdatedTime { get; init; }

    /// <summary>For a request that never started (a malformed request blob): the problems, field by field.</summary>
    [JsonPropertyName("errors")] public IReadOnlyList<FieldError>? Errors { get; init; }

    /// <summary>For a result document: the request blob it answers.</summary>
    [JsonPropertyName("request")] public RequestSource? Request { get; init; }

    public static JsonElement Element<T>(T value) => JsonSerializer.SerializeToElement(value, PipelineJson.Options);
}

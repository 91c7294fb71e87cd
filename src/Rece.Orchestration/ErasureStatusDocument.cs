using System.Text.Json;
using System.Text.Json.Serialization;
using Rece.Orchestration.Requests;

namespace Rece.Orchestration;

/// <summary>
/// The Durable HTTP status shape, used for GET /api/erasures/{id} and for the result documents in erasure-results/:
/// name, instanceId, runtimeStatus, input, customStatus, output, createdTime, lastUpdatedTime. Each property names
/// itself and leaves itself out when null, so the HTTP API's typed results, which write with the host's JSON options,
/// write the document as <see cref="PipelineJson"/> does (result documents, the only ones with a request, use it).
/// </summary>
public sealed record ErasureStatusDocument
{
    [JsonPropertyName("name")]
    public required string Name { get; init; }

    [JsonPropertyName("instanceId"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? InstanceId { get; init; }

    /// <summary>Pending, Running, Completed, Failed, Terminated (also Suspended).</summary>
    [JsonPropertyName("runtimeStatus")]
    public required string RuntimeStatus { get; init; }

    [JsonPropertyName("input"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public JsonElement? Input { get; init; }

    [JsonPropertyName("customStatus"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public JsonElement? CustomStatus { get; init; }

    /// <summary>When Completed: the <see cref="ErasureOutput"/>; when Failed: the reason (a string).</summary>
    [JsonPropertyName("output"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public JsonElement? Output { get; init; }

    [JsonPropertyName("createdTime"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public DateTime? CreatedTime { get; init; }

    [JsonPropertyName("lastUpdatedTime"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public DateTime? LastUpdatedTime { get; init; }

    /// <summary>For a request that never started (a malformed request blob): the problems, field by field.</summary>
    [JsonPropertyName("errors"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public IReadOnlyList<FieldError>? Errors { get; init; }

    /// <summary>For a result document: the request blob it answers.</summary>
    [JsonPropertyName("request"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public RequestSource? Request { get; init; }

    public static JsonElement Element<T>(T value) => JsonSerializer.SerializeToElement(value, PipelineJson.Options);
}

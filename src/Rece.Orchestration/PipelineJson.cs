using System.Text.Json;
using System.Text.Json.Serialization;

namespace Rece.Orchestration;

/// <summary>
/// The JSON form of every pipeline document (requests, job messages, result events, status and result documents).
/// Payload types also name their properties explicitly, so the Functions worker's and DurableTask.Core's data
/// converters produce the same documents as this one.
/// </summary>
public static class PipelineJson
{
    public static readonly JsonSerializerOptions Options = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        PropertyNameCaseInsensitive = true,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    public static readonly JsonSerializerOptions Indented = new(Options) { WriteIndented = true };

    public static string Serialize<T>(T value, bool indented = false) =>
        JsonSerializer.Serialize(value, indented ? Indented : Options);

    public static T Deserialize<T>(string json) =>
        JsonSerializer.Deserialize<T>(json, Options)
        ?? throw new JsonException($"Expected a {typeof(T).Name} document, got null.");
}

using System.Text.Json.Serialization;

namespace Rece.Orchestration;

public sealed record PublishedOutputs(
    [property: JsonPropertyName("report")] string Report,
    [property: JsonPropertyName("patches")] IReadOnlyDictionary<string, string> Patches
);

using System.Text.Json;
using System.Text.Json.Serialization;
using Rece.Orchestration.Jobs;
using Rece.Orchestration.Planning;
using Rece.Orchestration.Requests;

namespace Rece.Orchestration;

public sealed record PublishedOutputs(
    [property: JsonPropertyName("report")] string Report,
    [property: JsonPropertyName("patches")] IReadOnlyDictionary<string, string> Patches);

using System.Text.Json;
using System.Text.Json.Serialization;
using Rece.Orchestration.Jobs;
using Rece.Orchestration.Planning;
using Rece.Orchestration.Requests;

namespace Rece.Orchestration;

/// <summary>Input of the WriteErasureResult activity.</summary>
public sealed record ResultWrite(
    [property: JsonPropertyName("blob")] string Blob,
    [property: JsonPropertyName("document")] ErasureStatusDocument Document);

using System.Text.Json;
using System.Text.Json.Serialization;
using Rece.Orchestration.Jobs;
using Rece.Orchestration.Planning;
using Rece.Orchestration.Requests;

namespace Rece.Orchestration;

/// <summary>Output of the WriteErasureReport activity.</summary>
public sealed record ReportWritten(
    [property: JsonPropertyName("report")] string Report,
    [property: JsonPropertyName("published")] PublishedOutputs? Published);

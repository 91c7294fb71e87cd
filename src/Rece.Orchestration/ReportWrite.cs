using System.Text.Json;
using System.Text.Json.Serialization;
using Rece.Orchestration.Jobs;
using Rece.Orchestration.Planning;
using Rece.Orchestration.Requests;

namespace Rece.Orchestration;

/// <summary>Input of the WriteErasureReport activity.</summary>
public sealed record ReportWrite(
    [property: JsonPropertyName("report")] ErasureReportDocument Report,
    [property: JsonPropertyName("output")] string? Output);

using System.Text.Json.Serialization;

namespace Rece.Orchestration;

/// <summary>Input of the WriteErasureReport activity.</summary>
public sealed record ReportWrite(
    [property: JsonPropertyName("report")] ErasureReportDocument Report,
    [property: JsonPropertyName("output")] string? Output
);

using System.Text.Json.Serialization;

namespace Rece.Orchestration;

/// <summary>Output of the WriteErasureReport activity.</summary>
public sealed record ReportWritten(
    [property: JsonPropertyName("report")] string Report,
    [property: JsonPropertyName("published")] PublishedOutputs? Published
);

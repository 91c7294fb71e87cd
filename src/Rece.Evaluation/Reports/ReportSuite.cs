namespace Rece.Evaluation.Reports;

/// <summary>Which suite ran, on which slice of it.</summary>
public sealed record ReportSuite(
    string Name,
    string Description,
    string PromptFile,
    int? Limit,
    int Shard,
    int Shards,
    int Cases
);

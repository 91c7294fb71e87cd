namespace Rece.Erasure;

public sealed record ReportInputs(
    string Model,
    IReadOnlyList<string> Concepts,
    IReadOnlyList<string> Guides,
    IReadOnlyList<string> Preserve,
    string? PreserveFile,
    string? Preset,
    string? Patch = null
);

namespace Rece.Erasure;

public sealed record ReportOutputs(
    string Folder,
    ReportFile Patch,
    IReadOnlyList<WrittenWeights> UNetFiles,
    IReadOnlyList<EditedModelWriter.Skipped> NotCopied,
    bool PatchOnly
);

namespace Rece.Erasure;

public sealed record ReportOutputs(
    string Folder,
    ReportFile? Patch,
    IReadOnlyList<WrittenWeights> UNetFiles,
    IReadOnlyList<EditedModelWriter.Skipped> NotCopied,
    bool PatchOnly
)
{
    /// <summary>The text encoder weights a trained method wrote (few-shot unlearning), with the SHA-256 of the file;
    /// null otherwise.</summary>
    public ReportFile? TextEncoder { get; init; }

    /// <summary>The U-Net weights file a trained method wrote (All but One), with the SHA-256 of the file; null
    /// otherwise.</summary>
    public ReportFile? UNet { get; init; }
}

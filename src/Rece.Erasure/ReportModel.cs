namespace Rece.Erasure;

/// <summary>The input model: which files were read, identified by hashes of what the edit depends on.</summary>
public sealed record ReportModel(
    string Architecture,
    int EmbeddingDim,
    int EditedMatrices,
    IReadOnlyList<ReportWeightsFile> UNetFiles,
    ReportWeightsFile? TextEncoder
);

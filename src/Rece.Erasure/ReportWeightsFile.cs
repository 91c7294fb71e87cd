namespace Rece.Erasure;

/// <param name="HeaderSha256">SHA-256 of the safetensors header (names, dtypes, shapes, offsets, metadata).</param>
/// <param name="KvSha256">SHA-256 of the cross-attention K/V matrices' bytes, in layout order.</param>
public sealed record ReportWeightsFile(
    string File,
    string? DType,
    long Bytes,
    string HeaderSha256,
    string? KvSha256 = null,
    string? Note = null
);

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
)
{
    /// <summary>A model's weights file as the report identifies it: its path under <paramref name="root"/>, its size
    /// and the hash of its header.</summary>
    public static ReportWeightsFile Of(string root, string path, string? dtype = null, string? kvSha256 = null)
    {
        using var file = Rece.Models.Safetensors.SafetensorsFile.Open(path);
        return new ReportWeightsFile(
            System.IO.Path.GetRelativePath(root, path),
            dtype,
            file.FileLength,
            Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(file.HeaderJson.Span)),
            kvSha256
        );
    }
}

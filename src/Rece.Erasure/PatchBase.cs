namespace Rece.Erasure;

/// <summary>A U-Net weights file a patch applies to, identified by the SHA-256 of its K/V matrices.</summary>
public sealed record PatchBase(string File, string DType, string KvSha256);

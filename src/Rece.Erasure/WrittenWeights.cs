namespace Rece.Erasure;

/// <summary>A U-Net weights file written with edited K/V matrices.</summary>
public sealed record WrittenWeights(string File, string DType, string KvSha256);

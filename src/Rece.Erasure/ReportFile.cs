namespace Rece.Erasure;

public sealed record ReportFile(string File, long Bytes, string Sha256);

namespace Rece.Orchestration;

/// <summary>The instance fails: no run completed.</summary>
public sealed class ErasureFailedException(string message) : Exception(message);

namespace Rece.Orchestration;

/// <summary>The result document could not be written (not retried through the failure path again).</summary>
public sealed class ResultWriteException(Exception inner)
    : Exception("Writing the result document failed: " + inner.Message, inner);

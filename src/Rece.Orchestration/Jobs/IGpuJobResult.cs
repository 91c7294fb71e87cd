namespace Rece.Orchestration.Jobs;

/// <summary>What the orchestrator reads of every result event, whatever the job's kind.</summary>
public interface IGpuJobResult
{
    string JobId { get; }

    int Attempt { get; }

    bool Succeeded { get; }

    /// <summary>A failure another attempt may fix (the worker gave up on a message it could not finish, e.g. it was
    /// dequeued too often).</summary>
    bool Retryable { get; }

    string? Error { get; }
}

namespace Rece.Orchestration.Jobs;

/// <summary>
/// What every message on the gpu-jobs queue has, whatever its kind: the job id (derived from the instance and what the
/// job makes, so every attempt and duplicate writes the same blobs), the attempt, and the external event the worker
/// raises on the instance when it is done. The worker reads the kind and runs the matching job.
/// </summary>
public interface IGpuJobMessage
{
    string JobKind { get; }

    string JobId { get; }

    string InstanceId { get; }

    int Attempt { get; }

    string EventName { get; }

    /// <summary>Set by a worker that failed on a job it may retry; read when the message was dequeued too
    /// often.</summary>
    string? LastError { get; }

    IGpuJobMessage WithLastError(string error);

    /// <summary>The result event of this job when it failed for good (its own result type, Succeeded =
    /// false).</summary>
    object Failure(string error, string worker);
}

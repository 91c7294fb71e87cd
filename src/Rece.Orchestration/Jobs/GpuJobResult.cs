using System.Text.Json.Serialization;

namespace Rece.Orchestration.Jobs;

/// <summary>The external event a worker raises on the instance when a job is done or has failed for good.</summary>
public sealed record GpuJobResult : IGpuJobResult
{
    [JsonPropertyName("jobId")]
    public required string JobId { get; init; }

    [JsonPropertyName("attempt")]
    public required int Attempt { get; init; }

    [JsonPropertyName("succeeded")]
    public required bool Succeeded { get; init; }

    [JsonPropertyName("checkpoint")]
    public CheckpointInfo? Checkpoint { get; init; }

    [JsonPropertyName("error")]
    public string? Error { get; init; }

    /// <summary>Which worker did it (host name and process), for people reading the history.</summary>
    [JsonPropertyName("worker")]
    public string? Worker { get; init; }

    /// <summary>True when the checkpoint was already committed by an earlier delivery and only the event was raised
    /// again.</summary>
    [JsonPropertyName("reused")]
    public bool Reused { get; init; }

    /// <summary>A failure another attempt may fix (the message was dequeued too often); the orchestrator enqueues the
    /// next attempt.</summary>
    [JsonPropertyName("retryable")]
    public bool Retryable { get; init; }

    /// <summary>The hardware the worker computes on ("cuda:0 (NVIDIA A100 80GB PCIe, 79.2 GiB)"), for people reading
    /// the history.</summary>
    [JsonPropertyName("device")]
    public string? Device { get; init; }

    public static GpuJobResult Success(GpuJob job, CheckpointInfo checkpoint, string worker, bool reused) =>
        new()
        {
            JobId = job.JobId,
            Attempt = job.Attempt,
            Succeeded = true,
            Checkpoint = checkpoint,
            Worker = worker,
            Reused = reused,
        };

    public static GpuJobResult Failure(GpuJob job, string error, string worker) =>
        new()
        {
            JobId = job.JobId,
            Attempt = job.Attempt,
            Succeeded = false,
            Error = error,
            Worker = worker,
        };
}

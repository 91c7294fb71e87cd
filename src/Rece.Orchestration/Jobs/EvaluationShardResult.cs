using System.Text.Json.Serialization;

namespace Rece.Orchestration.Jobs;

/// <summary>The external event a worker raises when a shard is done or has failed for good.</summary>
public sealed record EvaluationShardResult : IGpuJobResult
{
    [JsonPropertyName("jobId")]
    public required string JobId { get; init; }

    [JsonPropertyName("attempt")]
    public required int Attempt { get; init; }

    [JsonPropertyName("succeeded")]
    public required bool Succeeded { get; init; }

    [JsonPropertyName("shard")]
    public ShardReportInfo? Shard { get; init; }

    [JsonPropertyName("error")]
    public string? Error { get; init; }

    [JsonPropertyName("worker")]
    public string? Worker { get; init; }

    /// <summary>True when the shard was already committed by an earlier delivery and only the event was raised
    /// again.</summary>
    [JsonPropertyName("reused")]
    public bool Reused { get; init; }

    /// <summary>A failure another attempt may fix (the message was dequeued too often); the orchestrator enqueues the
    /// next attempt.</summary>
    [JsonPropertyName("retryable")]
    public bool Retryable { get; init; }

    /// <summary>The hardware the worker computes on, for people reading the history.</summary>
    [JsonPropertyName("device")]
    public string? Device { get; init; }

    public static EvaluationShardResult Success(
        EvaluationShardJob job,
        ShardReportInfo shard,
        string worker,
        bool reused
    ) =>
        new()
        {
            JobId = job.JobId,
            Attempt = job.Attempt,
            Succeeded = true,
            Shard = shard,
            Worker = worker,
            Reused = reused,
        };

    public static EvaluationShardResult Failure(EvaluationShardJob job, string error, string worker) =>
        new()
        {
            JobId = job.JobId,
            Attempt = job.Attempt,
            Succeeded = false,
            Error = error,
            Worker = worker,
        };
}

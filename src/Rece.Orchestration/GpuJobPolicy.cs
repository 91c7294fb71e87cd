using System.Text.Json.Serialization;

namespace Rece.Orchestration;

/// <summary>How long a GPU job may take before the orchestrator enqueues it again, and how often.</summary>
public sealed record GpuJobPolicy
{
    /// <summary>
    /// Seconds a claimed job may go without a sign of life (its claim, then each heartbeat) before the attempt is given
    /// up: counted from when a worker took the job, never while it waits in the queue behind others. Generous by
    /// default: the worker may first download the model.
    /// </summary>
    [JsonPropertyName("timeoutSeconds")]
    public int TimeoutSeconds { get; init; } = 1800;

    /// <summary>Seconds a job may wait in the queue for a worker to claim it; then it fails (another attempt would wait
    /// in the same queue).</summary>
    [JsonPropertyName("queueTimeoutSeconds")]
    public int QueueTimeoutSeconds { get; init; } = 86400;

    [JsonPropertyName("maxAttempts")]
    public int MaxAttempts { get; init; } = 3;
}

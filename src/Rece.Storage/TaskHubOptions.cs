namespace Rece.Storage;

/// <summary>Settings of the Durable task hub as `rece serve` and `rece worker` run it (the Functions app sets the same
/// in host.json).</summary>
public sealed record TaskHubOptions
{
    public required string Name { get; init; }

    /// <summary>
    /// How long the backend waits at most between polls of an idle control or work-item queue. The Durable default is
    /// 30 s; 1 s keeps a request's first step and a GPU job's result event prompt after a quiet period.
    /// </summary>
    public TimeSpan MaxQueuePollingInterval { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// How long a task-hub message (an orchestration step or activity) a host took stays invisible to others; after a
    /// host crashes its in-flight work resumes when this expires. The Durable default: 5 minutes.
    /// </summary>
    public TimeSpan MessageVisibilityTimeout { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>Partition ownership lease length (the Durable default, 30 s).</summary>
    public TimeSpan LeaseInterval { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Identifies this host in the partition table; a restarted host with the same id takes its partitions
    /// back at once.</summary>
    public string? WorkerId { get; init; }

    public int MaxConcurrentActivities { get; init; } = 10;

    public int MaxConcurrentOrchestrations { get; init; } = 10;
}

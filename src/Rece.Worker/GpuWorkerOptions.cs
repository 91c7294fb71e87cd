using Rece.Models.Devices;

namespace Rece.Worker;

public sealed record GpuWorkerOptions
{
    /// <summary>How long a leased message stays invisible; renewed every third of it while the job runs.</summary>
    public TimeSpan VisibilityTimeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>A message dequeued more often than this fails its job (its run) with the last error, and is
    /// deleted.</summary>
    public int MaxDequeueCount { get; init; } = 5;

    /// <summary>
    /// Longest wait between polls of an empty queue. The wait is a thirtieth of the time the queue has been empty, up
    /// to this: a run's next job (or a new request's first, after seconds of quiet) is picked up within about 0.1 s,
    /// while a worker idle for minutes polls once a second (in Azure, KEDA removes idle GPU replicas anyway).
    /// </summary>
    public TimeSpan MaxPollingInterval { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>The wait between polls of an empty queue is this share of how long it has been empty.</summary>
    public const int IdleBackoffDivisor = 30;

    /// <summary>Stop after this many jobs (for run-to-completion jobs, e.g. a Container Apps job per message); null:
    /// run until stopped.</summary>
    public int? MaxJobs { get; init; }

    public string Name { get; init; } = $"{Environment.MachineName}/{Environment.ProcessId}";

    /// <summary>Where the jobs compute (models are loaded there); every result names it.</summary>
    public ComputeDevice Device { get; init; } = ComputeDevice.Cpu;

    /// <summary>How often a running job raises its claim again, so the orchestrator's job timeout (default 30 min)
    /// measures silence, not length.</summary>
    public TimeSpan HeartbeatInterval { get; init; } = TimeSpan.FromMinutes(5);
}

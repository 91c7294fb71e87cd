using Rece.Orchestration.Jobs;

namespace Rece.Worker;

/// <summary>Where a worker reports job results: the task hub (<see cref="TaskHubResultEvents"/>).</summary>
public interface IJobResultEvents
{
    /// <summary>Raises the external event <paramref name="eventName"/> with a JSON payload on the instance (a job's
    /// result).</summary>
    Task RaiseAsync(string instanceId, string eventName, string json);

    /// <summary>Raises a job's claim or heartbeat (<see cref="JobClaim"/>): the orchestrator's timeout for the job
    /// restarts.</summary>
    Task ClaimAsync(string instanceId, JobClaim claim, string resultEventName);

    /// <summary>False when the instance is finished (completed, failed, terminated) or gone: its jobs are dropped, not
    /// run.</summary>
    Task<bool> IsRunningAsync(string instanceId);
}

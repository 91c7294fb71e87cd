using Rece.Orchestration.Activities;
using Rece.Orchestration.Jobs;

namespace Rece.Storage;

/// <summary>The gpu-jobs queue: one JSON message per job.</summary>
public sealed class GpuJobQueue(StorageAccount account) : IGpuJobQueue
{
    /// <summary>Raised after a message was sent: workers in the same process poll at once instead of waiting for their
    /// next poll.</summary>
    public event Action? Enqueued;

    public async Task EnqueueAsync(IGpuJobMessage job, CancellationToken cancellationToken = default)
    {
        // Recorded first: once the new attempt's message exists, every worker can tell the old one is superseded.
        await new JobAttempts(account).RecordAsync(job, cancellationToken);
        await account.GpuJobs.SendMessageAsync(GpuJobMessages.Serialize(job), cancellationToken);
        Enqueued?.Invoke();
    }
}

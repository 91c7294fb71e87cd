using Rece.Orchestration.Jobs;

namespace Rece.Orchestration.Activities;

/// <summary>The gpu-jobs queue, as the orchestration's activities see it (implemented over Azure Queue Storage in
/// Rece.Storage).</summary>
public interface IGpuJobQueue
{
    /// <summary>Puts one message on the queue: the job serialized as its own type (erase, evaluation shard or
    /// fan-in).</summary>
    Task EnqueueAsync(IGpuJobMessage job, CancellationToken cancellationToken = default);
}

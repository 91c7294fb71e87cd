using Microsoft.DurableTask;
using Rece.Orchestration.Jobs;

namespace Rece.Orchestration.Activities;

/// <summary>Puts a GPU job message on the gpu-jobs queue. At-least-once: a duplicate message is harmless (the worker's
/// writes are idempotent).</summary>
public sealed class EnqueueGpuJobActivity(IGpuJobQueue queue) : TaskActivity<GpuJob, string>
{
    public override Task<string> RunAsync(TaskActivityContext context, GpuJob input) => RunAsync(input);

    /// <summary>The activity's work, also called by the Functions app's activity function.</summary>
    public async Task<string> RunAsync(GpuJob input)
    {
        await queue.EnqueueAsync(input);
        return input.JobId;
    }
}

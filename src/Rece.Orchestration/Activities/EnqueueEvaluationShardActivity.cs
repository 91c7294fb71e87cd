using Microsoft.DurableTask;
using Rece.Orchestration.Jobs;

namespace Rece.Orchestration.Activities;

/// <summary>Puts an evaluation shard job on the gpu-jobs queue (at-least-once, like every GPU job).</summary>
public sealed class EnqueueEvaluationShardActivity(IGpuJobQueue queue) : TaskActivity<EvaluationShardJob, string>
{
    public override Task<string> RunAsync(TaskActivityContext context, EvaluationShardJob input) => RunAsync(input);

    public async Task<string> RunAsync(EvaluationShardJob input)
    {
        await queue.EnqueueAsync(input);
        return input.JobId;
    }
}

using Microsoft.DurableTask;
using Rece.Orchestration.Jobs;

namespace Rece.Orchestration.Activities;

/// <summary>Puts a run's evaluation fan-in job on the gpu-jobs queue.</summary>
public sealed class EnqueueEvaluationReportActivity(IGpuJobQueue queue) : TaskActivity<EvaluationReportJob, string>
{
    public override Task<string> RunAsync(TaskActivityContext context, EvaluationReportJob input) => RunAsync(input);

    public async Task<string> RunAsync(EvaluationReportJob input)
    {
        await queue.EnqueueAsync(input);
        return input.JobId;
    }
}

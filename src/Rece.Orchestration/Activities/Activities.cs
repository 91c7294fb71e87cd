using Microsoft.DurableTask;
using Rece.Orchestration.Jobs;

namespace Rece.Orchestration.Activities;

/// <summary>Puts a GPU job message on the gpu-jobs queue. At-least-once: a duplicate message is harmless (the worker's writes are idempotent).</summary>
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

/// <summary>Writes the report (and the published copies under the request's output prefix).</summary>
public sealed class WriteErasureReportActivity(IErasureOutputs outputs) : TaskActivity<ReportWrite, ReportWritten>
{
    public override Task<ReportWritten> RunAsync(TaskActivityContext context, ReportWrite input) => RunAsync(input);

    public Task<ReportWritten> RunAsync(ReportWrite input) => outputs.WriteReportAsync(input);
}

/// <summary>Writes the final status document of a blob request to erasure-results/.</summary>
public sealed class WriteErasureResultActivity(IErasureOutputs outputs) : TaskActivity<ResultWrite, string>
{
    public override Task<string> RunAsync(TaskActivityContext context, ResultWrite input) => RunAsync(input);

    public async Task<string> RunAsync(ResultWrite input)
    {
        await outputs.WriteResultAsync(input);
        return input.Blob;
    }
}

/// <summary>Checks, before a run goes on, that an erase result's checkpoint is the job's own and committed.</summary>
public sealed class VerifyCheckpointActivity(IErasureOutputs outputs) : TaskActivity<CheckpointCheck, CheckpointVerdict>
{
    public override Task<CheckpointVerdict> RunAsync(TaskActivityContext context, CheckpointCheck input) => RunAsync(input);

    public Task<CheckpointVerdict> RunAsync(CheckpointCheck input) => outputs.VerifyCheckpointAsync(input);
}

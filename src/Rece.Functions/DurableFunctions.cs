using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask;
using Rece.Orchestration;
using Rece.Orchestration.Activities;
using Rece.Orchestration.Jobs;

namespace Rece.Functions;

/// <summary>The orchestrator and its light activities: each function runs the shared class of the same name.</summary>
public sealed class DurableFunctions(IGpuJobQueue queue, IErasureOutputs outputs)
{
    [Function(TaskNames.ErasureOrchestrator)]
    public Task<ErasureOutput> ErasureOrchestrator([OrchestrationTrigger] TaskOrchestrationContext context) =>
        new Orchestration.ErasureOrchestrator().RunAsync(context, context.GetInput<ErasureInput>()!);

    [Function(TaskNames.EnqueueGpuJob)]
    public Task<string> EnqueueGpuJob([ActivityTrigger] GpuJob job) => new EnqueueGpuJobActivity(queue).RunAsync(job);

    [Function(TaskNames.EnqueueEvaluationShard)]
    public Task<string> EnqueueEvaluationShard([ActivityTrigger] EvaluationShardJob job) =>
        new EnqueueEvaluationShardActivity(queue).RunAsync(job);

    [Function(TaskNames.EnqueueEvaluationReport)]
    public Task<string> EnqueueEvaluationReport([ActivityTrigger] EvaluationReportJob job) =>
        new EnqueueEvaluationReportActivity(queue).RunAsync(job);

    [Function(TaskNames.WriteErasureReport)]
    public Task<ReportWritten> WriteErasureReport([ActivityTrigger] ReportWrite write) =>
        new WriteErasureReportActivity(outputs).RunAsync(write);

    [Function(TaskNames.WriteErasureResult)]
    public Task<string> WriteErasureResult([ActivityTrigger] ResultWrite write) =>
        new WriteErasureResultActivity(outputs).RunAsync(write);

    [Function(TaskNames.VerifyCheckpoint)]
    public Task<CheckpointVerdict> VerifyCheckpoint([ActivityTrigger] CheckpointCheck check) =>
        new VerifyCheckpointActivity(outputs).RunAsync(check);
}

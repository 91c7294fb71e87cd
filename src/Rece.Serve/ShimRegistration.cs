using DurableTask.Core;
using Microsoft.DurableTask.Worker;
using Microsoft.DurableTask.Worker.Shims;
using Microsoft.Extensions.Logging;
using Rece.Orchestration;
using Rece.Orchestration.Activities;
using Rece.Storage;

namespace Rece.Serve;

/// <summary>
/// Registers the Microsoft.DurableTask SDK orchestrator and activities on a DurableTask.Core TaskHubWorker through the
/// SDK's public <see cref="DurableTaskShimFactory"/>: one new shim per execution, as DurableTask.Core expects.
/// </summary>
public static class ShimRegistration
{
    public static void Register(
        TaskHubWorker worker,
        IGpuJobQueue queue,
        IErasureOutputs outputs,
        ILoggerFactory loggerFactory
    )
    {
        var factory = new DurableTaskShimFactory(
            new DurableTaskWorkerOptions { DataConverter = TaskHubDurableClient.Converter },
            loggerFactory
        );
        worker.AddTaskOrchestrations(
            new Creator<TaskOrchestration>(TaskNames.ErasureOrchestrator, () =>
                factory.CreateOrchestration(TaskNames.ErasureOrchestrator, new ErasureOrchestrator(), parent: null)
            )
        );
        worker.AddTaskActivities(
            new Creator<TaskActivity>(TaskNames.EnqueueGpuJob, () =>
                factory.CreateActivity(TaskNames.EnqueueGpuJob, new EnqueueGpuJobActivity(queue))
            ),
            new Creator<TaskActivity>(TaskNames.EnqueueEvaluationShard, () =>
                factory.CreateActivity(TaskNames.EnqueueEvaluationShard, new EnqueueEvaluationShardActivity(queue))
            ),
            new Creator<TaskActivity>(TaskNames.EnqueueEvaluationReport, () =>
                factory.CreateActivity(TaskNames.EnqueueEvaluationReport, new EnqueueEvaluationReportActivity(queue))
            ),
            new Creator<TaskActivity>(TaskNames.WriteErasureReport, () =>
                factory.CreateActivity(TaskNames.WriteErasureReport, new WriteErasureReportActivity(outputs))
            ),
            new Creator<TaskActivity>(TaskNames.WriteErasureResult, () =>
                factory.CreateActivity(TaskNames.WriteErasureResult, new WriteErasureResultActivity(outputs))
            ),
            new Creator<TaskActivity>(TaskNames.VerifyCheckpoint, () =>
                factory.CreateActivity(TaskNames.VerifyCheckpoint, new VerifyCheckpointActivity(outputs))
            )
        );
    }

    private sealed class Creator<T> : ObjectCreator<T>
    {
        private readonly Func<T> _create;

        public Creator(string name, Func<T> create)
        {
            Name = name;
            Version = string.Empty;
            _create = create;
        }

        public override T Create() => _create();
    }
}

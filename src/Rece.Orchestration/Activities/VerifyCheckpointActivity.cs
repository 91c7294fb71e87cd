using Microsoft.DurableTask;
using Rece.Orchestration.Jobs;

namespace Rece.Orchestration.Activities;

/// <summary>Checks, before a run goes on, that an erase result's checkpoint is the job's own and committed.</summary>
public sealed class VerifyCheckpointActivity(IErasureOutputs outputs) : TaskActivity<CheckpointCheck, CheckpointVerdict>
{
    public override Task<CheckpointVerdict> RunAsync(TaskActivityContext context, CheckpointCheck input) =>
        RunAsync(input);

    public Task<CheckpointVerdict> RunAsync(CheckpointCheck input) => outputs.VerifyCheckpointAsync(input);
}

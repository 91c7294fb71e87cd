using Rece.Orchestration;
using Rece.Orchestration.Jobs;
using Rece.Storage;

namespace Rece.Worker;

/// <summary>Raises results on the instance through the Durable task hub (its control queues), as any Durable client
/// does.</summary>
public sealed class TaskHubResultEvents(TaskHubDurableClient client) : IJobResultEvents
{
    public Task RaiseAsync(string instanceId, string eventName, string json) =>
        client.RaiseSerializedEventAsync(instanceId, eventName, json);

    public Task ClaimAsync(string instanceId, JobClaim claim, string resultEventName) =>
        client.RaiseSerializedEventAsync(
            instanceId,
            JobClaim.EventNameOf(resultEventName),
            PipelineJson.Serialize(claim)
        );

    public async Task<bool> IsRunningAsync(string instanceId) =>
        await client.GetInstanceAsync(instanceId) is { IsCompleted: false };
}

using DurableTask.AzureStorage;
using DurableTask.Core;
using DurableTask.Core.History;
using DurableTask.Core.Query;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;
using Microsoft.DurableTask.Converters;
using Rece.Orchestration;
using CoreQuery = DurableTask.Core.Query.OrchestrationQuery;

namespace Rece.Storage;

/// <summary>
/// A Microsoft.DurableTask <see cref="DurableTaskClient"/> over a DurableTask.Core orchestration service client (the
/// Azure Storage backend), for `rece serve` and `rece worker`, which run without the Functions host. The SDK's own
/// adapter (Microsoft.DurableTask.Client.OrchestrationServiceClientShim) is not served by this project's package
/// mirror, so this one maps the client calls onto the backend's messages and queries itself; the Functions app gets the
/// SDK's gRPC client from its [DurableClient] binding instead, and Rece.Api works with either.
/// </summary>
public sealed class TaskHubDurableClient : DurableTaskClient
{
    private static readonly OrchestrationStatus[] RunningStatuses =
    {
        OrchestrationStatus.Pending,
        OrchestrationStatus.Running,
        OrchestrationStatus.ContinuedAsNew,
        OrchestrationStatus.Suspended,
    };
    private readonly AzureStorageOrchestrationService _service;
    private readonly DataConverter _converter;

    public TaskHubDurableClient(
        AzureStorageOrchestrationService service,
        string taskHub,
        DataConverter? converter = null
    )
        : base(taskHub)
    {
        _service = service;
        _converter = converter ?? Converter;
    }

    /// <summary>The pipeline's JSON: what the orchestrations are serialized with in `rece serve`.</summary>
    public static DataConverter Converter { get; } = new JsonDataConverter(PipelineJson.Options);

    public override async Task<string> ScheduleNewOrchestrationInstanceAsync(
        TaskName orchestratorName,
        object? input = null,
        StartOrchestrationOptions? options = null,
        CancellationToken cancellation = default
    )
    {
        string instanceId = options?.InstanceId ?? Guid.NewGuid().ToString("N");
        var instance = new OrchestrationInstance
        {
            InstanceId = instanceId,
            ExecutionId = Guid.NewGuid().ToString("N"),
        };
        var started = new ExecutionStartedEvent(-1, _converter.Serialize(input))
        {
            Name = orchestratorName.Name,
            Version = options?.Version?.Version ?? string.Empty,
            OrchestrationInstance = instance,
            ScheduledStartTime = options?.StartAt?.UtcDateTime,
        };
        // An instance that is still running is never started twice (the caller decides about finished ones).
        await _service.CreateTaskOrchestrationAsync(
            new TaskMessage { OrchestrationInstance = instance, Event = started },
            RunningStatuses
        );
        return instanceId;
    }

    public override Task RaiseEventAsync(
        string instanceId,
        string eventName,
        object? eventPayload = null,
        CancellationToken cancellation = default
    ) => Send(instanceId, new EventRaisedEvent(-1, _converter.Serialize(eventPayload)) { Name = eventName });

    /// <summary>Raises an event whose payload is already JSON (the GPU worker's results).</summary>
    public Task RaiseSerializedEventAsync(string instanceId, string eventName, string json) =>
        Send(instanceId, new EventRaisedEvent(-1, json) { Name = eventName });

    public override Task TerminateInstanceAsync(
        string instanceId,
        TerminateInstanceOptions? options = null,
        CancellationToken cancellation = default
    ) => _service.ForceTerminateTaskOrchestrationAsync(instanceId, _converter.Serialize(options?.Output));

    public override Task SuspendInstanceAsync(
        string instanceId,
        string? reason = null,
        CancellationToken cancellation = default
    ) => Send(instanceId, new ExecutionSuspendedEvent(-1, reason));

    public override Task ResumeInstanceAsync(
        string instanceId,
        string? reason = null,
        CancellationToken cancellation = default
    ) => Send(instanceId, new ExecutionResumedEvent(-1, reason));

    public override async Task<OrchestrationMetadata?> GetInstancesAsync(
        string instanceId,
        bool getInputsAndOutputs = false,
        CancellationToken cancellation = default
    )
    {
        var states = await _service.GetOrchestrationStateAsync(
            instanceId,
            allExecutions: false,
            fetchInput: getInputsAndOutputs
        );
        var state = states.FirstOrDefault();
        return state is null ? null : ToMetadata(state, getInputsAndOutputs);
    }

    public override AsyncPageable<OrchestrationMetadata> GetAllInstancesAsync(
        Microsoft.DurableTask.Client.OrchestrationQuery? filter = null
    )
    {
        return Pageable.Create(
            async (string? continuation, int? pageSize, CancellationToken cancellation) =>
            {
                var query = new CoreQuery
                {
                    CreatedTimeFrom = filter?.CreatedFrom?.UtcDateTime,
                    CreatedTimeTo = filter?.CreatedTo?.UtcDateTime,
                    RuntimeStatus = filter?.Statuses?.Select(s => (OrchestrationStatus)s).ToList(),
                    InstanceIdPrefix = filter?.InstanceIdPrefix,
                    PageSize = pageSize
                        ?? filter?.PageSize
                        ?? Microsoft.DurableTask.Client.OrchestrationQuery.DefaultPageSize,
                    ContinuationToken = continuation ?? filter?.ContinuationToken,
                    FetchInputsAndOutputs = filter?.FetchInputsAndOutputs ?? false,
                    ExcludeEntities = true,
                };
                var result = await ((IOrchestrationServiceQueryClient)_service).GetOrchestrationWithQueryAsync(
                    query,
                    cancellation
                );
                var items = result.OrchestrationState.Select(s => ToMetadata(s, query.FetchInputsAndOutputs)).ToList();
                return new Page<OrchestrationMetadata>(
                    items,
                    string.IsNullOrEmpty(result.ContinuationToken) ? null : result.ContinuationToken
                );
            }
        );
    }

    public override async Task<Microsoft.DurableTask.Client.PurgeResult> PurgeInstanceAsync(
        string instanceId,
        PurgeInstanceOptions? options = null,
        CancellationToken cancellation = default
    )
    {
        var result = await ((IOrchestrationServicePurgeClient)_service).PurgeInstanceStateAsync(instanceId);
        return new Microsoft.DurableTask.Client.PurgeResult(result.DeletedInstanceCount);
    }

    public override async Task<OrchestrationMetadata> WaitForInstanceStartAsync(
        string instanceId,
        bool getInputsAndOutputs = false,
        CancellationToken cancellation = default
    )
    {
        while (true)
        {
            var metadata = await GetInstancesAsync(instanceId, getInputsAndOutputs, cancellation);
            if (metadata is not null && metadata.RuntimeStatus != OrchestrationRuntimeStatus.Pending)
                return metadata;
            await Task.Delay(TimeSpan.FromMilliseconds(100), cancellation);
        }
    }

    public override async Task<OrchestrationMetadata> WaitForInstanceCompletionAsync(
        string instanceId,
        bool getInputsAndOutputs = false,
        CancellationToken cancellation = default
    )
    {
        while (true)
        {
            var metadata = await GetInstancesAsync(instanceId, getInputsAndOutputs, cancellation);
            if (metadata is { IsCompleted: true })
                return metadata;
            await Task.Delay(TimeSpan.FromMilliseconds(100), cancellation);
        }
    }

    public override ValueTask DisposeAsync() => ValueTask.CompletedTask;

    private Task Send(string instanceId, HistoryEvent historyEvent) =>
        _service.SendTaskOrchestrationMessageAsync(
            new TaskMessage
            {
                OrchestrationInstance = new OrchestrationInstance { InstanceId = instanceId },
                Event = historyEvent,
            }
        );

    private OrchestrationMetadata ToMetadata(OrchestrationState state, bool withData) =>
        new(state.Name, state.OrchestrationInstance.InstanceId)
        {
            DataConverter = _converter,
            RuntimeStatus = (OrchestrationRuntimeStatus)state.OrchestrationStatus,
            CreatedAt = new DateTimeOffset(DateTime.SpecifyKind(state.CreatedTime, DateTimeKind.Utc)),
            LastUpdatedAt = new DateTimeOffset(DateTime.SpecifyKind(state.LastUpdatedTime, DateTimeKind.Utc)),
            SerializedInput = withData ? state.Input : null,
            SerializedOutput = withData ? state.Output : null,
            SerializedCustomStatus = state.Status,
            FailureDetails = state.FailureDetails is { } f
                ? new TaskFailureDetails(f.ErrorType, f.ErrorMessage, f.StackTrace, null, null)
                : null,
        };
}

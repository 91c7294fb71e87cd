using DurableTask.AzureStorage;
using DurableTask.Core;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Rece.Orchestration.Activities;

namespace Rece.Serve;

/// <summary>Runs the orchestrations and activities: a DurableTask.Core TaskHubWorker on the Azure Storage
/// backend.</summary>
public sealed class TaskHubHost(
    AzureStorageOrchestrationService service,
    IGpuJobQueue queue,
    IErasureOutputs outputs,
    ILoggerFactory loggerFactory
) : IHostedService, IDisposable
{
    private TaskHubWorker? _worker;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        _worker = new TaskHubWorker(service, loggerFactory);
        ShimRegistration.Register(_worker, queue, outputs, loggerFactory);
        await _worker.StartAsync();
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (_worker is not null)
            await _worker.StopAsync(isForced: true);
    }

    public void Dispose() => _worker?.Dispose();
}

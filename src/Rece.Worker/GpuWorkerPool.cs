using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Rece.Erasure;
using Rece.Storage;

namespace Rece.Worker;

/// <summary>
/// N GPU workers in one process sharing the model cache, the warm models (erasure and evaluation) and the compute
/// thread: `rece worker` runs one,
/// `rece serve --workers N` runs N beside the orchestrations.
/// </summary>
public sealed partial class GpuWorkerPool : BackgroundService
{
    private readonly ILogger _logger;
    private readonly WarmModels _warm;
    private readonly WarmEvaluation _evaluation;

    /// <param name="service">The host's own task-hub service when the workers run inside it (`rece serve`): events
    /// raised through it wake the host's orchestration dispatcher at once.</param>
    /// <param name="cacheRoot">Null: <see cref="ModelCache.DefaultRoot"/>.</param>
    /// <param name="cacheMaxBytes">Null: <see cref="ModelCache.DefaultMaxBytes"/>.</param>
    public GpuWorkerPool(
        StorageAccount account,
        TaskHubOptions hub,
        int count,
        GpuWorkerOptions options,
        string? cacheRoot,
        ILoggerFactory loggerFactory,
        DurableTask.AzureStorage.AzureStorageOrchestrationService? service = null,
        long? cacheMaxBytes = null
    )
    {
        _logger = loggerFactory.CreateLogger("Rece.Worker");
        var log = loggerFactory.CreateLogger<GpuJobWorker>();
        service ??= TaskHub.CreateService(account, hub, loggerFactory);
        Events = new TaskHubDurableClient(service, hub.Name);
        var models = new ModelCache(account, cacheRoot ?? ModelCache.DefaultRoot, log, cacheMaxBytes);
        // Beside the model cache on disk, and the recent ones in memory: a repeated preserve set is never re-encoded.
        var embeddings = new EmbeddingCache(Path.Combine(models.Root, ".embeddings"), memoryBytes: 1L << 30);
        _warm = new WarmModels(log: log, device: options.Device, embeddings: embeddings);
        _evaluation = new WarmEvaluation(log: log, device: options.Device);
        Workers = Enumerable
            .Range(0, count)
            .Select(i => new GpuJobWorker(
                account,
                new TaskHubResultEvents(Events),
                models,
                _warm,
                ComputeThread.Shared,
                options with
                {
                    Name = count == 1 ? options.Name : $"{options.Name}/{i}",
                },
                log,
                _evaluation
            ))
            .ToList();
    }

    public TaskHubDurableClient Events { get; }

    public IReadOnlyList<GpuJobWorker> Workers { get; }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (Workers.Count == 0)
            return;
        Polling(_logger, Workers.Count, StorageNames.GpuJobs, Workers[0].Device);
        await Task.WhenAll(Workers.Select(w => Task.Run(() => w.RunAsync(stoppingToken), CancellationToken.None)));
    }

    public override void Dispose()
    {
        base.Dispose();
        foreach (var worker in Workers)
            worker.Dispose();
        ComputeThread
            .Shared.RunAsync(() =>
            {
                _warm.Dispose();
                _evaluation.Dispose();
                return 0;
            })
            .Wait(TimeSpan.FromSeconds(30));
    }

    [LoggerMessage(
        EventId = 2,
        Level = LogLevel.Information,
        Message = "{Count} GPU worker(s) polling {Queue} on {Device}"
    )]
    private static partial void Polling(
        ILogger logger,
        int count,
        string queue,
        Rece.Models.Devices.ComputeDevice device
    );
}

using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Rece.Api;
using Rece.Orchestration.Activities;
using Rece.Storage;
using Rece.Worker;

namespace Rece.Serve;

/// <summary>`rece serve`: builds the web application with the task hub worker, the watcher and the GPU workers.</summary>
public static class ServeHost
{
    /// <summary>Creates missing containers, queues and the task hub, then returns the (not yet started) application.</summary>
    /// <exception cref="ServeConfigurationException">A non-loopback URL without an API key, or a key too short.</exception>
    /// <param name="configureServices">Runs last: an embedding host may replace a service (e.g. wrap the job queue).</param>
    public static async Task<WebApplication> BuildAsync(ServeOptions options, Action<ILoggingBuilder>? logging = null, Action<IServiceCollection>? configureServices = null, CancellationToken cancellationToken = default)
    {
        // Before anything is created: an unauthenticated public API must not even touch the storage account.
        ApiKeyGuard.Validate(options.Urls, options.ApiKey);
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls(options.Urls);
        builder.Logging.ClearProviders();
        builder.Logging.AddHostConsole();
        builder.Logging.AddFilter("DurableTask", LogLevel.Warning);
        builder.Logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);
        builder.Logging.AddFilter("Microsoft.DurableTask", LogLevel.Warning);
        logging?.Invoke(builder.Logging);

        var account = options.Storage;
        await account.EnsureCreatedAsync(cancellationToken);
        // The backend's own warnings (e.g. a lost lease), on stderr like the rest of the host's log.
        var loggerFactory = LoggerFactory.Create(l =>
        {
            l.AddHostConsole();
            l.AddFilter(level => level >= LogLevel.Warning);
        });
        var service = TaskHub.CreateService(account, options.TaskHub, loggerFactory);
        await service.CreateIfNotExistsAsync();

        builder.Services.AddSingleton(options);
        builder.Services.AddSingleton(account);
        builder.Services.AddSingleton(service);
        builder.Services.AddSingleton<DurableTaskClient>(new TaskHubDurableClient(service, options.TaskHub.Name));
        var jobQueue = new GpuJobQueue(account);
        builder.Services.AddSingleton<IGpuJobQueue>(jobQueue);
        builder.Services.AddSingleton<IErasureOutputs>(new ErasureOutputs(account));
        builder.Services.AddSingleton(new ErasureIntake(account, options.Jobs));
        builder.Services.AddSingleton<ErasureApi>();
        builder.Services.AddHostedService(sp => new TaskHubHost(service, sp.GetRequiredService<IGpuJobQueue>(), sp.GetRequiredService<IErasureOutputs>(), sp.GetRequiredService<ILoggerFactory>()));
        builder.Services.AddHostedService<RequestContainerWatcher>();
        if (options.Workers > 0)
        {
            builder.Services.AddSingleton(sp =>
            {
                var pool = new GpuWorkerPool(account, options.TaskHub, options.Workers, options.WorkerOptions, options.ModelCacheRoot, sp.GetRequiredService<ILoggerFactory>(), service);
                // Jobs enqueued by this process wake its own workers; jobs from elsewhere are found by polling.
                jobQueue.Enqueued += () =>
                {
                    foreach (var worker in pool.Workers)
                        worker.Wake();
                };
                return pool;
            });
            builder.Services.AddHostedService(sp => sp.GetRequiredService<GpuWorkerPool>());
        }
        configureServices?.Invoke(builder.Services);
        var app = builder.Build();
        app.UseApiKey(options.ApiKey);
        app.MapErasureApi();
        return app;
    }
}

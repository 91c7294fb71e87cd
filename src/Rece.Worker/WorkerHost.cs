using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Rece.Models.Devices;
using Rece.Storage;

namespace Rece.Worker;

/// <summary>
/// `rece worker`: one GPU worker (<see cref="GpuWorkerPool"/>) in a generic host whose options classes
/// (<see cref="StorageSettings"/>, <see cref="WorkerSettings"/>) are bound from its settings and validated on start.
/// </summary>
public static class WorkerHost
{
    /// <summary>
    /// Checks the settings, chooses the device, creates what the worker writes when missing, then returns the (not yet
    /// started) host; its services hold the <see cref="StorageAccount"/>, <see cref="TaskHubOptions"/>,
    /// <see cref="GpuWorkerOptions"/> and <see cref="GpuWorkerPool"/> it runs.
    /// </summary>
    /// <param name="settings">Command line over environment (<see cref="HostSettings.From"/>).</param>
    /// <exception cref="WorkerConfigurationException">Bad settings, each named; nothing was created.</exception>
    /// <exception cref="DeviceUnavailableException">No CUDA device where one is required.</exception>
    public static async Task<IHost> BuildAsync(
        IConfiguration settings,
        Action<ILoggingBuilder>? logging = null,
        CancellationToken cancellationToken = default
    )
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Logging.AddHostConsole(settings);
        builder.Logging.AddFilter("DurableTask", LogLevel.Warning);
        logging?.Invoke(builder.Logging);
        builder.Services.Configure<ConsoleLifetimeOptions>(o => o.SuppressStatusMessages = true);
        builder.Services.AddHostSettings<StorageSettings>(settings);
        builder.Services.AddHostSettings<WorkerSettings>(settings);
        builder.Services.AddSingleton(sp => StorageOf(sp).Account());
        builder.Services.AddSingleton(sp => new TaskHubOptions { Name = StorageOf(sp).TaskHubName() });
        builder.Services.AddSingleton(sp =>
        {
            var worker = WorkerOf(sp);
            return worker.Options(WorkerDevice.Choose(worker.Device, ComputeDevice.BuildFlavour));
        });
        builder.Services.AddSingleton(sp => new GpuWorkerPool(
            sp.GetRequiredService<StorageAccount>(),
            sp.GetRequiredService<TaskHubOptions>(),
            1,
            sp.GetRequiredService<GpuWorkerOptions>(),
            WorkerOf(sp).ModelCacheRoot,
            sp.GetRequiredService<ILoggerFactory>(),
            cacheMaxBytes: WorkerOf(sp).ModelCacheMaxBytes
        ));
        builder.Services.AddHostedService(sp => sp.GetRequiredService<GpuWorkerPool>());
        var host = builder.Build();
        try
        {
            HostSettings.Check(host.Services, message => new WorkerConfigurationException(message));
            // The device after the settings, so a bad setting's error comes first.
            _ = host.Services.GetRequiredService<GpuWorkerOptions>();
            var account = host.Services.GetRequiredService<StorageAccount>();
            // Only what a worker writes: in Azure its identity may create nothing else (infra/main.bicep scopes its
            // roles to these, models read-only), so creating erasure-requests or erasure-results would be refused.
            foreach (var container in new[] { StorageNames.Checkpoints, StorageNames.Reports })
                await account.Container(container).CreateIfNotExistsAsync(cancellationToken: cancellationToken);
            await account.GpuJobs.CreateIfNotExistsAsync(cancellationToken: cancellationToken);
            return host;
        }
        catch
        {
            host.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Runs a host of <see cref="BuildAsync"/> until it is stopped (Ctrl+C, SIGTERM, the token) or its worker has done
    /// --max-jobs jobs; a worker that failed fails the run.
    /// </summary>
    public static async Task RunAsync(IHost host, CancellationToken cancellationToken = default)
    {
        var pool = host.Services.GetRequiredService<GpuWorkerPool>();
        var lifetime = host.Services.GetRequiredService<IHostApplicationLifetime>();
        await host.StartAsync(cancellationToken);
        // A worker done with its jobs stops the host the way a signal does.
        _ = (pool.ExecuteTask ?? Task.CompletedTask).ContinueWith(
            _ => lifetime.StopApplication(),
            TaskScheduler.Default
        );
        await host.WaitForShutdownAsync(cancellationToken);
        if (pool.ExecuteTask is { IsFaulted: true } failed)
            await failed;
    }

    private static StorageSettings StorageOf(IServiceProvider services) =>
        services.GetRequiredService<IOptions<StorageSettings>>().Value;

    private static WorkerSettings WorkerOf(IServiceProvider services) =>
        services.GetRequiredService<IOptions<WorkerSettings>>().Value;
}

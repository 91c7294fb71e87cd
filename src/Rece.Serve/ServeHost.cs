using DurableTask.AzureStorage;
using Microsoft.AspNetCore.Builder;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Rece.Api;
using Rece.Orchestration.Activities;
using Rece.Storage;
using Rece.Worker;

namespace Rece.Serve;

/// <summary>`rece serve`: builds the web application with the task hub worker, the watcher and GPU workers.</summary>
public static class ServeHost
{
    /// <summary>
    /// `rece serve` from its settings: <see cref="ServeSettings"/>, <see cref="StorageSettings"/> and
    /// <see cref="WorkerSettings"/> are bound from <paramref name="settings"/> and validated on start; the host's
    /// services hold the <see cref="ServeOptions"/> they make. Checked before anything is created.
    /// </summary>
    /// <param name="settings">Command line over environment (<see cref="HostSettings.From"/>).</param>
    /// <exception cref="ServeConfigurationException">Bad settings, each named; nothing was created.</exception>
    public static Task<WebApplication> BuildAsync(
        IConfiguration settings,
        Action<ILoggingBuilder>? logging = null,
        Action<IServiceCollection>? configureServices = null,
        CancellationToken cancellationToken = default
    ) =>
        BuildAsync(
            services =>
            {
                services.AddHostSettings<ServeSettings>(settings);
                services.AddHostSettings<StorageSettings>(settings);
                services.AddHostSettings<WorkerSettings>(settings);
                services.AddSingleton(sp =>
                    sp.GetRequiredService<IOptions<ServeSettings>>()
                        .Value.Options(
                            sp.GetRequiredService<IOptions<StorageSettings>>().Value,
                            sp.GetRequiredService<IOptions<WorkerSettings>>().Value
                        )
                );
            },
            settings,
            logging,
            configureServices,
            cancellationToken
        );

    /// <summary>`rece serve` from options already made (an embedding host, the tests).</summary>
    /// <exception cref="ServeConfigurationException">A non-loopback URL without an API key, or a short key.</exception>
    /// <param name="configureServices">Runs last: an embedding host may replace a service (wrap the job queue).</param>
    public static Task<WebApplication> BuildAsync(
        ServeOptions options,
        Action<ILoggingBuilder>? logging = null,
        Action<IServiceCollection>? configureServices = null,
        CancellationToken cancellationToken = default
    )
    {
        // Before anything is created: an unauthenticated public API must not even touch the storage account.
        ApiKeyGuard.Validate(options.Urls, options.ApiKey);
        return BuildAsync(
            services => services.AddSingleton(options),
            HostSettings.From([]),
            logging,
            configureServices,
            cancellationToken
        );
    }

    /// <summary>Creates missing containers, queues and the task hub, then returns the application, not
    /// started.</summary>
    /// <param name="addOptions">Registers the <see cref="ServeOptions"/> every other service is made from.</param>
    /// <param name="settings">Where the log format is read (<see cref="HostLogging"/>).</param>
    private static async Task<WebApplication> BuildAsync(
        Action<IServiceCollection> addOptions,
        IConfiguration settings,
        Action<ILoggingBuilder>? logging,
        Action<IServiceCollection>? configureServices,
        CancellationToken cancellationToken
    )
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.Logging.AddHostConsole(settings);
        builder.Logging.AddFilter("DurableTask", LogLevel.Warning);
        builder.Logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);
        builder.Logging.AddFilter("Microsoft.DurableTask", LogLevel.Warning);
        logging?.Invoke(builder.Logging);

        addOptions(builder.Services);
        // The backend's own warnings (e.g. a lost lease), on stderr like the rest of the host's log.
        var backendLogs = LoggerFactory.Create(l =>
        {
            l.AddHostConsole(settings);
            l.AddFilter(level => level >= LogLevel.Warning);
        });
        var services = builder.Services;
        services.AddSingleton(sp => ServeOptionsOf(sp).Storage);
        services.AddSingleton(sp =>
            TaskHub.CreateService(ServeOptionsOf(sp).Storage, ServeOptionsOf(sp).TaskHub, backendLogs)
        );
        services.AddSingleton<DurableTaskClient>(sp => new TaskHubDurableClient(
            sp.GetRequiredService<AzureStorageOrchestrationService>(),
            ServeOptionsOf(sp).TaskHub.Name
        ));
        services.AddSingleton(sp => new GpuJobQueue(ServeOptionsOf(sp).Storage));
        services.AddSingleton<IGpuJobQueue>(sp => sp.GetRequiredService<GpuJobQueue>());
        services.AddSingleton<IErasureOutputs>(sp => new ErasureOutputs(ServeOptionsOf(sp).Storage));
        services.AddSingleton(sp => new ErasureIntake(ServeOptionsOf(sp).Storage, ServeOptionsOf(sp).Jobs));
        services.AddSingleton<ErasureApi>();
        services.AddHostedService(sp => new TaskHubHost(
            sp.GetRequiredService<AzureStorageOrchestrationService>(),
            sp.GetRequiredService<IGpuJobQueue>(),
            sp.GetRequiredService<IErasureOutputs>(),
            sp.GetRequiredService<ILoggerFactory>()
        ));
        services.AddHostedService<RequestContainerWatcher>();
        // With --workers 0 the pool has no workers and its start returns at once.
        services.AddSingleton(sp =>
        {
            var options = ServeOptionsOf(sp);
            var pool = new GpuWorkerPool(
                options.Storage,
                options.TaskHub,
                options.Workers,
                options.WorkerOptions,
                options.ModelCacheRoot,
                sp.GetRequiredService<ILoggerFactory>(),
                sp.GetRequiredService<AzureStorageOrchestrationService>(),
                options.ModelCacheMaxBytes
            );
            // Jobs enqueued by this process wake its own workers; jobs from elsewhere are found by polling.
            sp.GetRequiredService<GpuJobQueue>().Enqueued += () =>
            {
                foreach (var worker in pool.Workers)
                    worker.Wake();
            };
            return pool;
        });
        services.AddHostedService(sp => sp.GetRequiredService<GpuWorkerPool>());
        configureServices?.Invoke(services);
        var app = builder.Build();
        try
        {
            // Before anything is created: bad settings (an unauthenticated public API above all) leave storage alone.
            HostSettings.Check(app.Services, message => new ServeConfigurationException(message));
            var serve = ServeOptionsOf(app.Services);
            foreach (var url in serve.Urls.Split(';', Trimmed))
                app.Urls.Add(url);
            await serve.Storage.EnsureCreatedAsync(cancellationToken);
            await app.Services.GetRequiredService<AzureStorageOrchestrationService>().CreateIfNotExistsAsync();
            app.UseApiKey(serve.ApiKey);
            app.MapErasureApi();
            return app;
        }
        catch
        {
            await app.DisposeAsync();
            throw;
        }
    }

    private const StringSplitOptions Trimmed = StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries;

    private static ServeOptions ServeOptionsOf(IServiceProvider services) =>
        services.GetRequiredService<ServeOptions>();
}

using System.CommandLine;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Rece.Serve;
using Rece.Storage;
using Rece.Worker;

namespace Rece.Cli.Commands;

/// <summary>rece serve: the erasure pipeline without the Functions host (orchestrations, HTTP API, request watcher, GPU
/// workers).</summary>
public static class ServeCommand
{
    public static Command Build(TextWriter stdout, TextWriter stderr)
    {
        var storage = PipelineOptions.Storage();
        var hub = PipelineOptions.Hub();
        var urls = new Option<string>(ServeSettings.UrlsOption)
        {
            Description = "Where the HTTP API listens.",
            DefaultValueFactory = _ => ServeOptions.DefaultUrls,
        };
        var workers = new Option<int>(ServeSettings.WorkersOption)
        {
            Description = "GPU workers to run in this process (0: none; run `rece worker` elsewhere).",
            DefaultValueFactory = _ => ServeSettings.DefaultWorkers,
        };
        var jobTimeout = PipelineOptions.Seconds(
            ServeSettings.JobTimeoutOption,
            "Seconds a claimed GPU job may go without a sign of life (its claim, then each heartbeat) before it is enqueued again.",
            1800
        );
        var jobQueueTimeout = PipelineOptions.Seconds(
            ServeSettings.JobQueueTimeoutOption,
            "Seconds a GPU job may wait in the queue for a worker to claim it before it fails.",
            86400
        );
        var jobAttempts = new Option<int>(ServeSettings.JobAttemptsOption)
        {
            Description = "How often a GPU job is enqueued before its run fails.",
            DefaultValueFactory = _ => 3,
        };
        var watch = PipelineOptions.Seconds(
            ServeSettings.WatchIntervalOption,
            "Seconds between listings of erasure-requests/ (0: do not watch).",
            2
        );
        var polling = PipelineOptions.Seconds(
            WorkerSettings.MaxPollingIntervalOption,
            "Longest wait between polls of an idle task-hub or gpu-jobs queue, in seconds.",
            1
        );
        var visibility = PipelineOptions.Seconds(
            WorkerSettings.VisibilityTimeoutOption,
            "Seconds a leased GPU job message stays invisible (renewed while working).",
            60
        );
        var maxDequeue = new Option<int>(WorkerSettings.MaxDequeueOption)
        {
            Description = "A job message dequeued more often than this fails its run.",
            DefaultValueFactory = _ => 5,
        };
        var cache = new Option<string?>(WorkerSettings.ModelCacheOption)
        {
            Description =
                $"Where models are downloaded (default: ${WorkerSettings.ModelCacheVariable}, else {ModelCache.DefaultRoot}; at most ${WorkerSettings.ModelCacheMaxGigabytesVariable} GB, default 100).",
        };
        var hubVisibility = PipelineOptions.Seconds(
            ServeSettings.HubVisibilityTimeoutOption,
            "Seconds a task-hub message this host took stays invisible to other hosts: after a crash, in-flight orchestration steps resume when it expires (Durable default 300).",
            300
        );
        var lease = PipelineOptions.Seconds(
            ServeSettings.PartitionLeaseOption,
            "Seconds a task-hub partition lease lasts before another host may take it over (Durable default 30).",
            30
        );
        var workerId = new Option<string?>(ServeSettings.WorkerIdOption)
        {
            Description = "This host's name in the task hub's partition table (default: the machine name).",
        };
        var apiKey = new Option<string?>(ApiKeyGuard.Option)
        {
            Description =
                $"The secret clients send in the {ApiKeyGuard.Header} header (default: ${ApiKeyGuard.Variable}, which keeps it off the command line). Required unless --urls are all loopback; once set, required on every request.",
        };
        var device = DeviceOptions.Device();
        device.Description += " Used by the in-process GPU workers (--workers N).";
        var command = new Command(
            "serve",
            "Run the erasure pipeline against a storage account: Durable orchestrations, the HTTP API, the request-blob watcher and GPU workers."
        )
        {
            storage,
            hub,
            urls,
            workers,
            jobTimeout,
            jobQueueTimeout,
            jobAttempts,
            watch,
            polling,
            visibility,
            maxDequeue,
            cache,
            hubVisibility,
            lease,
            workerId,
            device,
            apiKey,
        };
        command.SetAction((parse, cancellationToken) => PipelineOptions.GuardAsync(stderr, async () =>
                {
                    // The host binds and checks every setting (a public binding without a key first) before it touches
                    // storage.
                    await using var app = await ServeHost.BuildAsync(
                        PipelineOptions.Settings(parse),
                        cancellationToken: cancellationToken
                    );
                    var options = app.Services.GetRequiredService<ServeOptions>();
                    stderr.WriteLine(
                        $"rece serve: storage {options.Storage.Description}, task hub {options.TaskHub.Name}, "
                            + $"{options.Workers} GPU worker(s)"
                            + (options.Workers > 0 ? $" on {options.WorkerOptions.Device}" : "")
                    );
                    await app.StartAsync(cancellationToken);
                    string key = options.ApiKey is null
                        ? ", no API key: loopback only"
                        : $", {ApiKeyGuard.Header} required";
                    stderr.WriteLine(
                        $"rece serve: listening on {options.Urls} (POST /api/erasures{key}; watching {StorageNames.Requests}/)"
                    );
                    await app.WaitForShutdownAsync(cancellationToken);
                    return ReceCommandLine.Success;
                }));
        return command;
    }
}

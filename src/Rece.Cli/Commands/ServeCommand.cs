using System.CommandLine;
using Microsoft.Extensions.Hosting;
using Rece.Models.Devices;
using Rece.Orchestration;
using Rece.Serve;
using Rece.Storage;
using Rece.Worker;

namespace Rece.Cli.Commands;

/// <summary>rece serve: the erasure pipeline without the Functions host (orchestrations, HTTP API, request watcher, GPU workers).</summary>
public static class ServeCommand
{
    public static Command Build(TextWriter stdout, TextWriter stderr)
    {
        var storage = PipelineOptions.Storage();
        var hub = PipelineOptions.Hub();
        var urls = new Option<string>("--urls") { Description = "Where the HTTP API listens.", DefaultValueFactory = _ => "http://127.0.0.1:7071" };
        var workers = new Option<int>("--workers") { Description = "GPU workers to run in this process (0: none; run `rece worker` elsewhere).", DefaultValueFactory = _ => 1 };
        var jobTimeout = PipelineOptions.Seconds("--job-timeout", "Seconds a claimed GPU job may go without a sign of life (its claim, then each heartbeat) before it is enqueued again.", 1800);
        var jobQueueTimeout = PipelineOptions.Seconds("--job-queue-timeout", "Seconds a GPU job may wait in the queue for a worker to claim it before it fails.", 86400);
        var jobAttempts = new Option<int>("--job-attempts") { Description = "How often a GPU job is enqueued before its run fails.", DefaultValueFactory = _ => 3 };
        var watch = PipelineOptions.Seconds("--watch-interval", "Seconds between listings of erasure-requests/ (0: do not watch).", 2);
        var polling = PipelineOptions.Seconds("--max-polling-interval", "Longest wait between polls of an idle task-hub or gpu-jobs queue, in seconds.", 1);
        var visibility = PipelineOptions.Seconds("--visibility-timeout", "Seconds a leased GPU job message stays invisible (renewed while working).", 60);
        var maxDequeue = new Option<int>("--max-dequeue") { Description = "A job message dequeued more often than this fails its run.", DefaultValueFactory = _ => 5 };
        var cache = new Option<string?>("--model-cache") { Description = $"Where models are downloaded (default: $RECE_MODEL_CACHE, else {ModelCache.DefaultRoot})." };
        var hubVisibility = PipelineOptions.Seconds("--hub-visibility-timeout", "Seconds a task-hub message this host took stays invisible to other hosts: after a crash, in-flight orchestration steps resume when it expires (Durable default 300).", 300);
        var lease = PipelineOptions.Seconds("--partition-lease", "Seconds a task-hub partition lease lasts before another host may take it over (Durable default 30).", 30);
        var workerId = new Option<string?>("--worker-id") { Description = "This host's name in the task hub's partition table (default: the machine name)." };
        var apiKey = new Option<string?>(ApiKeyGuard.Option)
        {
            Description = $"The secret clients send in the {ApiKeyGuard.Header} header (default: ${ApiKeyGuard.Variable}, which keeps it off the command line). Required unless --urls are all loopback; once set, required on every request.",
        };
        var device = DeviceOptions.Device();
        device.Description += " Used by the in-process GPU workers (--workers N).";
        var command = new Command("serve", "Run the erasure pipeline against a storage account: Durable orchestrations, the HTTP API, the request-blob watcher and GPU workers.")
        {
            storage, hub, urls, workers, jobTimeout, jobQueueTimeout, jobAttempts, watch, polling, visibility, maxDequeue, cache, hubVisibility, lease, workerId, device, apiKey,
        };
        command.SetAction((parse, cancellationToken) => PipelineOptions.GuardAsync(stderr, async () =>
        {
            string? key = parse.GetValue(apiKey) is { Length: > 0 } given ? given
                : Environment.GetEnvironmentVariable(ApiKeyGuard.Variable) is { Length: > 0 } fromEnvironment ? fromEnvironment : null;
            // First: a public binding without a key is refused before any other setting is even looked at.
            ApiKeyGuard.Validate(parse.GetRequiredValue(urls), key);
            int workerCount = parse.GetValue(workers);
            if (workerCount < 0)
                throw new CommandLineInputException($"--workers must be 0 or more, got {workerCount}.");
            var pollingInterval = PipelineOptions.Positive(parse.GetValue(polling), "--max-polling-interval");
            var computeDevice = workerCount > 0 ? WorkerDevice.Choose(parse.GetValue(device), ComputeDevice.BuildFlavour) : ComputeDevice.Cpu;
            double watchSeconds = parse.GetValue(watch);
            var options = new ServeOptions
            {
                Storage = StorageAccount.Resolve(parse.GetValue(storage)),
                TaskHub = new TaskHubOptions { Name = StorageNames.ResolveTaskHub(parse.GetValue(hub)), MaxQueuePollingInterval = pollingInterval, WorkerId = parse.GetValue(workerId),
                    MessageVisibilityTimeout = PipelineOptions.Positive(parse.GetValue(hubVisibility), "--hub-visibility-timeout"),
                    LeaseInterval = PipelineOptions.Positive(parse.GetValue(lease), "--partition-lease") },
                Urls = parse.GetRequiredValue(urls),
                Workers = workerCount,
                WorkerOptions = new GpuWorkerOptions
                {
                    VisibilityTimeout = PipelineOptions.Positive(parse.GetValue(visibility), "--visibility-timeout"),
                    MaxDequeueCount = parse.GetValue(maxDequeue),
                    MaxPollingInterval = pollingInterval,
                    Device = computeDevice,
                },
                Jobs = new GpuJobPolicy
                {
                    TimeoutSeconds = (int)Math.Ceiling(PipelineOptions.Positive(parse.GetValue(jobTimeout), "--job-timeout").TotalSeconds),
                    QueueTimeoutSeconds = (int)Math.Ceiling(PipelineOptions.Positive(parse.GetValue(jobQueueTimeout), "--job-queue-timeout").TotalSeconds),
                    MaxAttempts = Math.Max(1, parse.GetValue(jobAttempts)),
                },
                WatchInterval = watchSeconds > 0 ? TimeSpan.FromSeconds(watchSeconds) : TimeSpan.Zero,
                ModelCacheRoot = parse.GetValue(cache),
                ApiKey = key,
            };
            stderr.WriteLine($"rece serve: storage {options.Storage.Description}, task hub {options.TaskHub.Name}, {workerCount} GPU worker(s)" + (workerCount > 0 ? $" on {computeDevice}" : ""));
            await using var app = await ServeHost.BuildAsync(options, cancellationToken: cancellationToken);
            await app.StartAsync(cancellationToken);
            stderr.WriteLine($"rece serve: listening on {options.Urls} (POST /api/erasures{(key is null ? ", no API key: loopback only" : $", {ApiKeyGuard.Header} required")}; watching {StorageNames.Requests}/)");
            await app.WaitForShutdownAsync(cancellationToken);
            return ReceCommandLine.Success;
        }));
        return command;
    }
}

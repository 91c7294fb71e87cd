using System.CommandLine;
using Microsoft.Extensions.Logging;
using Rece.Models.Devices;
using Rece.Storage;
using Rece.Worker;

namespace Rece.Cli.Commands;

/// <summary>rece worker: a GPU job host on the gpu-jobs queue.</summary>
public static class WorkerCommand
{
    public static Command Build(TextWriter stdout, TextWriter stderr)
    {
        var storage = PipelineOptions.Storage();
        var hub = PipelineOptions.Hub();
        var visibility = PipelineOptions.Seconds("--visibility-timeout", "Seconds a leased job message stays invisible (renewed while working).", 60);
        var maxDequeue = new Option<int>("--max-dequeue") { Description = "A job message dequeued more often than this fails its run.", DefaultValueFactory = _ => 5 };
        var polling = PipelineOptions.Seconds("--max-polling-interval", "Longest wait between polls of an empty gpu-jobs queue, in seconds.", 1);
        var maxJobs = new Option<int?>("--max-jobs") { Description = "Exit after this many jobs (e.g. one job per container run); default: run until stopped." };
        var cache = new Option<string?>("--model-cache") { Description = $"Where models are downloaded (default: $RECE_MODEL_CACHE, else {ModelCache.DefaultRoot})." };
        var device = DeviceOptions.Device();
        device.Description += " A worker built with the CUDA libtorch refuses to start without a CUDA device unless told --device cpu.";
        var command = new Command("worker", "Run a GPU worker: erase epochs from the gpu-jobs queue, write checkpoints, report results to the task hub.")
        {
            storage, hub, visibility, maxDequeue, polling, maxJobs, cache, device,
        };
        command.SetAction((parse, cancellationToken) => PipelineOptions.GuardAsync(stderr, async () =>
        {
            var account = StorageAccount.Resolve(parse.GetValue(storage));
            var hubOptions = new TaskHubOptions { Name = StorageNames.ResolveTaskHub(parse.GetValue(hub)) };
            var visibilityTimeout = PipelineOptions.Positive(parse.GetValue(visibility), "--visibility-timeout");
            var pollingInterval = PipelineOptions.Positive(parse.GetValue(polling), "--max-polling-interval");
            // After the settings are checked, so a bad setting's error is the first line.
            var computeDevice = WorkerDevice.Choose(parse.GetValue(device), ComputeDevice.BuildFlavour);
            stderr.WriteLine($"rece worker: device {computeDevice}");
            var options = new GpuWorkerOptions
            {
                VisibilityTimeout = visibilityTimeout,
                MaxDequeueCount = parse.GetValue(maxDequeue),
                MaxPollingInterval = pollingInterval,
                MaxJobs = parse.GetValue(maxJobs),
                Device = computeDevice,
            };
            using var loggerFactory = LoggerFactory.Create(l =>
            {
                Rece.Serve.HostLogging.AddHostConsole(l);
                l.AddFilter("DurableTask", LogLevel.Warning);
            });
            // Only what a worker writes: in Azure its identity may create nothing else (infra/main.bicep scopes its roles to
            // these, models read-only), so creating erasure-requests or erasure-results here would be refused.
            foreach (var container in new[] { StorageNames.Checkpoints, StorageNames.Reports })
                await account.Container(container).CreateIfNotExistsAsync(cancellationToken: cancellationToken);
            await account.GpuJobs.CreateIfNotExistsAsync(cancellationToken: cancellationToken);
            stderr.WriteLine($"rece worker: storage {account.Description}, task hub {hubOptions.Name}, queue {StorageNames.GpuJobs}");
            using var pool = new GpuWorkerPool(account, hubOptions, 1, options, parse.GetValue(cache), loggerFactory);
            await pool.StartAsync(cancellationToken);
            try
            {
                await (pool.ExecuteTask ?? Task.CompletedTask).WaitAsync(cancellationToken);
            }
            catch (OperationCanceledException)
            {
            }
            await pool.StopAsync(CancellationToken.None);
            return ReceCommandLine.Success;
        }));
        return command;
    }
}

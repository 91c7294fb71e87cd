using System.CommandLine;
using Microsoft.Extensions.DependencyInjection;
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
        var visibility = PipelineOptions.Seconds(
            WorkerSettings.VisibilityTimeoutOption,
            "Seconds a leased job message stays invisible (renewed while working).",
            60
        );
        var maxDequeue = new Option<int>(WorkerSettings.MaxDequeueOption)
        {
            Description = "A job message dequeued more often than this fails its run.",
            DefaultValueFactory = _ => 5,
        };
        var polling = PipelineOptions.Seconds(
            WorkerSettings.MaxPollingIntervalOption,
            "Longest wait between polls of an empty gpu-jobs queue, in seconds.",
            1
        );
        var maxJobs = new Option<int?>(WorkerSettings.MaxJobsOption)
        {
            Description = "Exit after this many jobs (e.g. one job per container run); default: run until stopped.",
        };
        var cache = new Option<string?>(WorkerSettings.ModelCacheOption)
        {
            Description =
                $"Where models are downloaded (default: ${WorkerSettings.ModelCacheVariable}, else {ModelCache.DefaultRoot}; at most ${WorkerSettings.ModelCacheMaxGigabytesVariable} GB, default 100).",
        };
        var device = DeviceOptions.Device();
        device.Description +=
            " A worker built with the CUDA libtorch refuses to start without a CUDA device unless told --device cpu.";
        var command = new Command(
            "worker",
            "Run a GPU worker: erase epochs from the gpu-jobs queue, write checkpoints, report results to the task hub."
        )
        {
            storage,
            hub,
            visibility,
            maxDequeue,
            polling,
            maxJobs,
            cache,
            device,
        };
        command.SetAction((parse, cancellationToken) => PipelineOptions.GuardAsync(stderr, async () =>
                {
                    // The host binds and checks every setting, then chooses the device, before it touches storage.
                    using var host = await WorkerHost.BuildAsync(
                        PipelineOptions.Settings(parse),
                        cancellationToken: cancellationToken
                    );
                    var account = host.Services.GetRequiredService<StorageAccount>();
                    var hubName = host.Services.GetRequiredService<TaskHubOptions>().Name;
                    stderr.WriteLine(
                        $"rece worker: device {host.Services.GetRequiredService<GpuWorkerOptions>().Device}"
                    );
                    stderr.WriteLine(
                        $"rece worker: storage {account.Description}, task hub {hubName}, queue {StorageNames.GpuJobs}"
                    );
                    await WorkerHost.RunAsync(host, cancellationToken);
                    return ReceCommandLine.Success;
                }));
        return command;
    }
}

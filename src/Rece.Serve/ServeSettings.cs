using Microsoft.Extensions.Configuration;
using Rece.Models.Devices;
using Rece.Orchestration;
using Rece.Storage;
using Rece.Worker;

namespace Rece.Serve;

/// <summary>
/// The settings of `rece serve` itself (its storage and in-process workers take theirs from
/// <see cref="StorageSettings"/> and <see cref="WorkerSettings"/>). The API key check comes first: a public binding
/// without a key is named even when other settings are bad too, and the host never touches the storage account.
/// </summary>
public sealed class ServeSettings : IHostSettings
{
    public const string UrlsOption = "--urls";
    public const string WorkersOption = "--workers";
    public const int DefaultWorkers = 1;
    public const string JobTimeoutOption = "--job-timeout";
    public const string JobQueueTimeoutOption = "--job-queue-timeout";
    public const string JobAttemptsOption = "--job-attempts";
    public const string WatchIntervalOption = "--watch-interval";
    public const string HubVisibilityTimeoutOption = "--hub-visibility-timeout";
    public const string PartitionLeaseOption = "--partition-lease";
    public const string WorkerIdOption = "--worker-id";

    private static readonly TaskHubOptions HubDefaults = new() { Name = StorageNames.DefaultTaskHub };

    public string? Urls { get; set; }

    public string? Workers { get; set; }

    public string? JobTimeoutSeconds { get; set; }

    public string? JobQueueTimeoutSeconds { get; set; }

    public string? JobAttempts { get; set; }

    /// <summary>Zero: erasure-requests/ is not watched.</summary>
    public string? WatchIntervalSeconds { get; set; }

    public string? HubVisibilityTimeoutSeconds { get; set; }

    public string? PartitionLeaseSeconds { get; set; }

    public string? WorkerId { get; set; }

    /// <summary>--api-key, else RECE_API_KEY.</summary>
    public string? ApiKey { get; set; }

    public void Bind(IConfiguration settings)
    {
        Urls = HostSettings.Value(settings, UrlsOption);
        Workers = HostSettings.Value(settings, WorkersOption);
        JobTimeoutSeconds = HostSettings.Value(settings, JobTimeoutOption);
        JobQueueTimeoutSeconds = HostSettings.Value(settings, JobQueueTimeoutOption);
        JobAttempts = HostSettings.Value(settings, JobAttemptsOption);
        WatchIntervalSeconds = HostSettings.Value(settings, WatchIntervalOption);
        HubVisibilityTimeoutSeconds = HostSettings.Value(settings, HubVisibilityTimeoutOption);
        PartitionLeaseSeconds = HostSettings.Value(settings, PartitionLeaseOption);
        WorkerId = HostSettings.Value(settings, WorkerIdOption);
        // Any non-empty key counts, blank included: ApiKeyGuard refuses one too short rather than run without it.
        ApiKey =
            settings[ApiKeyGuard.Option] is { Length: > 0 } given ? given
            : settings[ApiKeyGuard.Variable] is { Length: > 0 } fromEnvironment ? fromEnvironment
            : null;
    }

    public IEnumerable<string> Problems() => Checks().OfType<string>();

    /// <summary>What the host runs: these settings with the storage's and the workers'.</summary>
    /// <exception cref="DeviceUnavailableException">Workers asked for a CUDA device this machine lacks.</exception>
    public ServeOptions Options(StorageSettings storage, WorkerSettings workers)
    {
        int count = HostSettings.Whole(Workers) ?? DefaultWorkers;
        var polling = workers.MaxPollingInterval;
        var device = count > 0 ? WorkerDevice.Choose(workers.Device, ComputeDevice.BuildFlavour) : ComputeDevice.Cpu;
        var jobs = new GpuJobPolicy();
        return new ServeOptions
        {
            Storage = storage.Account(),
            TaskHub = HubDefaults with
            {
                Name = storage.TaskHubName(),
                MaxQueuePollingInterval = polling,
                WorkerId = WorkerId,
                MessageVisibilityTimeout = Seconds(HubVisibilityTimeoutSeconds) ?? HubDefaults.MessageVisibilityTimeout,
                LeaseInterval = Seconds(PartitionLeaseSeconds) ?? HubDefaults.LeaseInterval,
            },
            Urls = Urls ?? ServeOptions.DefaultUrls,
            Workers = count,
            WorkerOptions = workers.Options(device),
            Jobs = jobs with
            {
                TimeoutSeconds = WholeSeconds(JobTimeoutSeconds) ?? jobs.TimeoutSeconds,
                QueueTimeoutSeconds = WholeSeconds(JobQueueTimeoutSeconds) ?? jobs.QueueTimeoutSeconds,
                MaxAttempts = HostSettings.Whole(JobAttempts) ?? jobs.MaxAttempts,
            },
            WatchInterval = Seconds(WatchIntervalSeconds) ?? ServeOptions.DefaultWatchInterval,
            ModelCacheRoot = workers.ModelCacheRoot,
            ModelCacheMaxBytes = workers.ModelCacheMaxBytes,
            ApiKey = ApiKey,
        };
    }

    private IEnumerable<string?> Checks()
    {
        var jobs = new GpuJobPolicy();
        yield return ApiKeyGuard.Problem(Urls ?? ServeOptions.DefaultUrls, ApiKey);
        yield return HostSettings.WholeProblem(WorkersOption, Workers, 0, DefaultWorkers);
        yield return HostSettings.SecondsProblem(JobTimeoutOption, JobTimeoutSeconds, jobs.TimeoutSeconds);
        yield return HostSettings.SecondsProblem(
            JobQueueTimeoutOption,
            JobQueueTimeoutSeconds,
            jobs.QueueTimeoutSeconds
        );
        yield return HostSettings.WholeProblem(JobAttemptsOption, JobAttempts, 1, jobs.MaxAttempts);
        yield return HostSettings.SecondsProblem(
            WatchIntervalOption,
            WatchIntervalSeconds,
            ServeOptions.DefaultWatchInterval.TotalSeconds,
            zeroAllowed: true
        );
        yield return HostSettings.SecondsProblem(
            HubVisibilityTimeoutOption,
            HubVisibilityTimeoutSeconds,
            HubDefaults.MessageVisibilityTimeout.TotalSeconds
        );
        yield return HostSettings.SecondsProblem(
            PartitionLeaseOption,
            PartitionLeaseSeconds,
            HubDefaults.LeaseInterval.TotalSeconds
        );
    }

    private static TimeSpan? Seconds(string? text) =>
        HostSettings.Number(text) is { } seconds ? TimeSpan.FromSeconds(seconds) : null;

    /// <summary>Whole seconds, rounded up: the orchestrator counts its timeouts in seconds.</summary>
    private static int? WholeSeconds(string? text) =>
        HostSettings.Number(text) is { } seconds ? (int)Math.Ceiling(seconds) : null;
}

using System.Globalization;
using Microsoft.Extensions.Configuration;
using Rece.Models.Devices;

namespace Rece.Worker;

/// <summary>
/// The settings of GPU workers: `rece worker`'s, and those of the in-process workers of `rece serve --workers N`.
/// A value that is not what the setting takes stops the host at start-up, naming it (before, a bad
/// RECE_MODEL_CACHE_MAX_GB was silently replaced by the default).
/// </summary>
public sealed class WorkerSettings : IHostSettings
{
    public const string VisibilityTimeoutOption = "--visibility-timeout";
    public const string MaxDequeueOption = "--max-dequeue";
    public const string MaxPollingIntervalOption = "--max-polling-interval";
    public const string MaxJobsOption = "--max-jobs";
    public const string DeviceOption = "--device";
    public const string ModelCacheOption = "--model-cache";

    /// <summary>The fallback of --model-cache.</summary>
    public const string ModelCacheVariable = "RECE_MODEL_CACHE";

    /// <summary>The model cache's bound in GB (no option: a deployment sets it with the disk it gives).</summary>
    public const string ModelCacheMaxGigabytesVariable = "RECE_MODEL_CACHE_MAX_GB";

    private static readonly GpuWorkerOptions Defaults = new();

    public string? VisibilityTimeoutSeconds { get; set; }

    public string? MaxDequeueCount { get; set; }

    public string? MaxPollingIntervalSeconds { get; set; }

    /// <summary>Null: run until stopped.</summary>
    public string? MaxJobs { get; set; }

    /// <summary>auto, cpu, cuda or cuda:N; resolved by <see cref="Options"/>, once the settings passed.</summary>
    public string? Device { get; set; }

    /// <summary>Null: <see cref="ModelCache.DefaultRoot"/>.</summary>
    public string? ModelCacheRoot { get; set; }

    public string? ModelCacheMaxGigabytes { get; set; }

    public TimeSpan MaxPollingInterval => Seconds(MaxPollingIntervalSeconds) ?? Defaults.MaxPollingInterval;

    public long ModelCacheMaxBytes =>
        HostSettings.Number(ModelCacheMaxGigabytes) is { } gigabytes
            ? (long)Math.Min(gigabytes * 1e9, long.MaxValue)
            : ModelCache.DefaultMaxBytes;

    public void Bind(IConfiguration settings)
    {
        VisibilityTimeoutSeconds = HostSettings.Value(settings, VisibilityTimeoutOption);
        MaxDequeueCount = HostSettings.Value(settings, MaxDequeueOption);
        MaxPollingIntervalSeconds = HostSettings.Value(settings, MaxPollingIntervalOption);
        MaxJobs = HostSettings.Value(settings, MaxJobsOption);
        Device = HostSettings.Value(settings, DeviceOption);
        ModelCacheRoot = HostSettings.Value(settings, ModelCacheOption, ModelCacheVariable);
        ModelCacheMaxGigabytes = HostSettings.Value(settings, null, ModelCacheMaxGigabytesVariable);
    }

    public IEnumerable<string> Problems() => Checks().OfType<string>();

    /// <summary>What each worker runs with, on <paramref name="device"/> (see <see cref="WorkerDevice"/>).</summary>
    public GpuWorkerOptions Options(ComputeDevice device) =>
        Defaults with
        {
            VisibilityTimeout = Seconds(VisibilityTimeoutSeconds) ?? Defaults.VisibilityTimeout,
            MaxDequeueCount = HostSettings.Whole(MaxDequeueCount) ?? Defaults.MaxDequeueCount,
            MaxPollingInterval = MaxPollingInterval,
            MaxJobs = HostSettings.Whole(MaxJobs),
            Device = device,
        };

    private IEnumerable<string?> Checks()
    {
        yield return HostSettings.SecondsProblem(
            VisibilityTimeoutOption,
            VisibilityTimeoutSeconds,
            Defaults.VisibilityTimeout.TotalSeconds
        );
        yield return HostSettings.WholeProblem(MaxDequeueOption, MaxDequeueCount, 1, Defaults.MaxDequeueCount);
        yield return HostSettings.SecondsProblem(
            MaxPollingIntervalOption,
            MaxPollingIntervalSeconds,
            Defaults.MaxPollingInterval.TotalSeconds
        );
        if (MaxJobs is not null && HostSettings.Whole(MaxJobs) is not >= 0)
            yield return $"{MaxJobsOption} must be a whole number of at least 0, got {HostSettings.Quoted(MaxJobs)} "
                + "(leave it out to run until stopped)";
        if (ModelCacheMaxGigabytes is not null && HostSettings.Number(ModelCacheMaxGigabytes) is not > 0)
            yield return $"{ModelCacheMaxGigabytesVariable} must be a positive number of gigabytes, got "
                + $"{HostSettings.Quoted(ModelCacheMaxGigabytes)}: set it to e.g. 50, or unset it for the default of "
                + (ModelCache.DefaultMaxBytes / 1e9).ToString(CultureInfo.InvariantCulture);
    }

    private static TimeSpan? Seconds(string? text) =>
        HostSettings.Number(text) is { } seconds ? TimeSpan.FromSeconds(seconds) : null;
}

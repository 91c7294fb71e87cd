using Rece.Orchestration;
using Rece.Storage;
using Rece.Worker;

namespace Rece.Serve;

/// <summary>What `rece serve` is started with.</summary>
public sealed record ServeOptions
{
    public required StorageAccount Storage { get; init; }

    public required TaskHubOptions TaskHub { get; init; }

    /// <summary>Loopback only: off loopback the API needs a key (<see cref="ApiKeyGuard"/>).</summary>
    public const string DefaultUrls = "http://127.0.0.1:7071";

    public static readonly TimeSpan DefaultWatchInterval = TimeSpan.FromSeconds(2);

    /// <summary>Kestrel URLs separated by ';', e.g. "http://127.0.0.1:7071".</summary>
    public string Urls { get; init; } = DefaultUrls;

    /// <summary>In-process GPU workers (0: none, the workers run elsewhere).</summary>
    public int Workers { get; init; }

    public GpuWorkerOptions WorkerOptions { get; init; } = new();

    public GpuJobPolicy Jobs { get; init; } = new();

    /// <summary>How often the erasure-requests container is listed for new request blobs (zero: not watched).</summary>
    public TimeSpan WatchInterval { get; init; } = DefaultWatchInterval;

    /// <summary>Null: <see cref="ModelCache.DefaultRoot"/>.</summary>
    public string? ModelCacheRoot { get; init; }

    public long ModelCacheMaxBytes { get; init; } = ModelCache.DefaultMaxBytes;

    /// <summary>The secret every API request carries in the <see cref="ApiKeyGuard.Header"/> header; required unless
    /// <see cref="Urls"/> are all loopback.</summary>
    public string? ApiKey { get; init; }
}

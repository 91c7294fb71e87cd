namespace Rece.Storage;

/// <summary>The names a deployment and a user's scripts rely on.</summary>
public static class StorageNames
{
    /// <summary>Diffusers model folders, one per prefix ("models/sd-v1-4/unet/...").</summary>
    public const string Models = "models";

    /// <summary>Request documents dropped by users; never modified by the pipeline.</summary>
    public const string Requests = "erasure-requests";

    /// <summary>One final status document per request blob, same name; and published outputs under a request's output
    /// prefix.</summary>
    public const string Results = "erasure-results";

    public const string Checkpoints = "checkpoints";

    public const string Reports = "reports";

    public const string GpuJobs = "gpu-jobs";

    /// <summary>
    /// In Azure, Event Grid delivers the BlobCreated events of request blobs here (infra/modules/events.bicep says why
    /// a queue and not the blob trigger's webhook); the function app's queue trigger starts the instances.
    /// </summary>
    public const string RequestEvents = "erasure-request-events";

    public const string DefaultTaskHub = "rece";

    /// <summary>As host.json: the host and every worker must agree, since it decides which control queue an instance
    /// uses.</summary>
    public const int PartitionCount = 4;

    public static readonly string[] Containers = { Models, Requests, Results, Checkpoints, Reports };

    /// <summary>The environment variable naming the storage when --storage is absent (read by the hosts'
    /// settings).</summary>
    public const string StorageVariable = "RECE_STORAGE";

    /// <summary>The environment variable naming the task hub when --hub is absent (also the Functions app
    /// setting).</summary>
    public const string TaskHubVariable = "RECE_TASK_HUB";

    /// <summary>The task hub setting's value (the hosts' settings read --hub, else RECE_TASK_HUB), else
    /// "rece".</summary>
    /// <exception cref="StorageConfigurationException">Not a name Azure Storage can name its queues and tables
    /// after.</exception>
    public static string ResolveTaskHub(string? value)
    {
        string hub = !string.IsNullOrWhiteSpace(value) ? value : DefaultTaskHub;
        if (hub.Length is < 3 or > 45 || !char.IsAsciiLetter(hub[0]) || !hub.All(char.IsAsciiLetterOrDigit))
            throw new StorageConfigurationException(
                $"Task hub name \"{hub}\" is not valid: use 3-45 letters and digits, starting with a letter (Azure Storage names its queues and tables after it)."
            );
        return hub;
    }
}

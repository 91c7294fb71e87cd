namespace Rece.Infra.Tests;

/// <summary>
/// The names and settings the pipeline's code uses (issue 9's contract and the configuration contract of the
/// Functions app and `rece worker`), in one place, for the infrastructure tests to hold the templates to.
/// The pipeline projects (src/Rece.Orchestration, src/Rece.Functions, `rece worker`) were being written on
/// another branch when this was; after the merge these should read the code's own constants instead, so the
/// templates and the code cannot drift apart. host.json and local.settings.sample.json are already read from
/// the repository by <see cref="AppConfigurationTests"/>.
/// </summary>
internal static class PipelineContract
{
    public const string ModelsContainer = "models";
    public const string RequestsContainer = "erasure-requests";
    public const string ResultsContainer = "erasure-results";
    public const string CheckpointsContainer = "checkpoints";
    public const string ReportsContainer = "reports";

    public static readonly string[] Containers = [ModelsContainer, RequestsContainer, ResultsContainer, CheckpointsContainer, ReportsContainer];

    public const string GpuJobsQueue = "gpu-jobs";

    /// <summary>Where Event Grid delivers BlobCreated events of request blobs (infra/modules/events.bicep says why a queue).</summary>
    public const string RequestEventsQueue = "erasure-request-events";

    public const string TaskHub = "rece";

    /// <summary>Request blobs are JSON documents.</summary>
    public const string RequestBlobSuffix = ".json";

    // Settings both hosts read.
    public const string StorageSetting = "RECE_STORAGE";
    public const string TaskHubSetting = "RECE_TASK_HUB";
    public const string ClientIdSetting = "AZURE_CLIENT_ID";

    // The images deploy.sh builds and the apps run.
    public const string FunctionsImage = "rece-functions";
    public const string WorkerImage = "rece-worker";
}

#if PIPELINE_STORAGE_NAMES
using Rece.Storage;
#endif

namespace Rece.Infra.Tests;

/// <summary>
/// The names and settings the pipeline's code uses, in one place, for the infrastructure tests to hold the
/// templates to. When src/Rece.Storage is in the repository (the pipeline of issue 9) they are its own constants
/// (StorageNames), so the templates and the code cannot drift apart; before that they are issue 9's contract.
/// host.json and local.settings.sample.json are read from the repository by <see cref="AppConfigurationTests"/>.
/// </summary>
internal static class PipelineContract
{
#if PIPELINE_STORAGE_NAMES
    public const string ModelsContainer = StorageNames.Models;
    public const string RequestsContainer = StorageNames.Requests;
    public const string ResultsContainer = StorageNames.Results;
    public const string CheckpointsContainer = StorageNames.Checkpoints;
    public const string ReportsContainer = StorageNames.Reports;
    public const string GpuJobsQueue = StorageNames.GpuJobs;
    public const string TaskHub = StorageNames.DefaultTaskHub;
    public const int TaskHubPartitions = StorageNames.PartitionCount;
    public const string StorageSetting = StorageNames.StorageVariable;
    public const string TaskHubSetting = StorageNames.TaskHubVariable;
    public static readonly string[] Containers = StorageNames.Containers;
#else
    public const string ModelsContainer = "models";
    public const string RequestsContainer = "erasure-requests";
    public const string ResultsContainer = "erasure-results";
    public const string CheckpointsContainer = "checkpoints";
    public const string ReportsContainer = "reports";
    public const string GpuJobsQueue = "gpu-jobs";
    public const string TaskHub = "rece";
    public const int TaskHubPartitions = 4;
    public const string StorageSetting = "RECE_STORAGE";
    public const string TaskHubSetting = "RECE_TASK_HUB";
    public static readonly string[] Containers = [ModelsContainer, RequestsContainer, ResultsContainer, CheckpointsContainer, ReportsContainer];
#endif

    /// <summary>Where Event Grid delivers BlobCreated events of request blobs (infra/modules/events.bicep says why a queue).</summary>
    public const string RequestEventsQueue = "erasure-request-events";

    /// <summary>Request blobs are JSON documents.</summary>
    public const string RequestBlobSuffix = ".json";

    /// <summary>DefaultAzureCredential's selector of a user-assigned managed identity.</summary>
    public const string ClientIdSetting = "AZURE_CLIENT_ID";

    // The images deploy.sh builds and the apps run.
    public const string FunctionsImage = "rece-functions";
    public const string WorkerImage = "rece-worker";
}

using Rece.Storage;

namespace Rece.Infra.Tests;

/// <summary>
/// The names and settings the pipeline's code uses (its own constants, StorageNames), for the infrastructure tests to
/// hold the templates to, so the templates and the code cannot drift apart.
/// host.json and local.settings.sample.json are read from the repository by <see cref="AppConfigurationTests"/>.
/// </summary>
internal static class PipelineContract
{
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

    /// <summary>Where Event Grid delivers BlobCreated events of request blobs (infra/modules/events.bicep says why a
    /// queue).</summary>
    public const string RequestEventsQueue = StorageNames.RequestEvents;

    /// <summary>Request blobs are JSON documents.</summary>
    public const string RequestBlobSuffix = ".json";

    /// <summary>DefaultAzureCredential's selector of a user-assigned managed identity.</summary>
    public const string ClientIdSetting = "AZURE_CLIENT_ID";

    // The images deploy.sh builds and the apps run.
    public const string FunctionsImage = "rece-functions";
    public const string WorkerImage = "rece-worker";
}

using DurableTask.AzureStorage;
using Microsoft.Extensions.Logging;

namespace Rece.Storage;

/// <summary>The Durable Task Azure Storage backend over a <see cref="StorageAccount"/>: the task hub the Functions app
/// uses too.</summary>
public static class TaskHub
{
    public static AzureStorageOrchestrationService CreateService(
        StorageAccount account,
        TaskHubOptions options,
        ILoggerFactory? loggerFactory = null
    )
    {
        var settings = new AzureStorageOrchestrationServiceSettings
        {
            TaskHubName = options.Name,
            PartitionCount = StorageNames.PartitionCount,
            StorageAccountClientProvider = account.ClientProvider(),
            MaxQueuePollingInterval = options.MaxQueuePollingInterval,
            LeaseInterval = options.LeaseInterval,
            ControlQueueVisibilityTimeout = options.MessageVisibilityTimeout,
            WorkItemQueueVisibilityTimeout = options.MessageVisibilityTimeout,
            // The table partition manager, as Durable Functions uses by default since its Azure Storage backend v2.
            UseTablePartitionManagement = true,
            // Keeps a running instance in memory between its steps instead of reloading its history (as host.json).
            ExtendedSessionsEnabled = true,
            MaxConcurrentTaskActivityWorkItems = options.MaxConcurrentActivities,
            MaxConcurrentTaskOrchestrationWorkItems = options.MaxConcurrentOrchestrations,
            WorkerId = options.WorkerId ?? $"{Environment.MachineName}",
            // Starting an instance under an id that is still running fails loudly instead of being dropped silently.
            ThrowExceptionOnInvalidDedupeStatus = true,
        };
        if (loggerFactory is not null)
            settings.LoggerFactory = loggerFactory;
        return new AzureStorageOrchestrationService(settings);
    }
}

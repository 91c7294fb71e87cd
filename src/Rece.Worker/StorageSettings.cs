using Microsoft.Extensions.Configuration;
using Rece.Storage;

namespace Rece.Worker;

/// <summary>
/// The storage account and task hub of `rece serve` and `rece worker`; `rece upload-model` takes its account from here.
/// </summary>
public sealed class StorageSettings : IHostSettings
{
    public const string StorageOption = "--storage";
    public const string TaskHubOption = "--hub";

    /// <summary>--storage, else RECE_STORAGE: a connection string, an account name or a blob endpoint URL.</summary>
    public string? Storage { get; set; }

    /// <summary>--hub, else RECE_TASK_HUB; null: <see cref="StorageNames.DefaultTaskHub"/>.</summary>
    public string? TaskHub { get; set; }

    public void Bind(IConfiguration settings)
    {
        Storage = HostSettings.Value(settings, StorageOption, StorageNames.StorageVariable);
        TaskHub = HostSettings.Value(settings, TaskHubOption, StorageNames.TaskHubVariable);
    }

    public IEnumerable<string> Problems()
    {
        if (Storage is null)
            yield return StorageAccount.NotGiven;
        else if (Refusal(() => StorageAccount.Parse(Storage.Trim())) is { } storage)
            yield return $"{StorageOption} (or {StorageNames.StorageVariable}): {storage}";
        if (Refusal(() => StorageNames.ResolveTaskHub(TaskHub)) is { } hub)
            yield return $"{TaskHubOption} (or {StorageNames.TaskHubVariable}): {hub}";
    }

    /// <exception cref="StorageConfigurationException">None given, or not a storage account.</exception>
    public StorageAccount Account() => StorageAccount.Resolve(Storage);

    /// <exception cref="StorageConfigurationException">Not a task hub name.</exception>
    public string TaskHubName() => StorageNames.ResolveTaskHub(TaskHub);

    private static string? Refusal(Action resolve)
    {
        try
        {
            resolve();
            return null;
        }
        catch (StorageConfigurationException e)
        {
            return e.Message;
        }
    }
}

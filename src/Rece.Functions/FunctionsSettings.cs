using Azure.Identity;
using Microsoft.Extensions.Configuration;
using Rece.Storage;

namespace Rece.Functions;

/// <summary>
/// The app's own storage clients (gpu-jobs queue, blobs) from the same settings the Functions host uses:
/// AzureWebJobsStorage (a connection string, locally "UseDevelopmentStorage=true"), or the identity-based
/// AzureWebJobsStorage__accountName (+ __credential=managedidentity, __clientId for a user-assigned identity).
/// </summary>
public static class FunctionsSettings
{
    public const string Connection = "AzureWebJobsStorage";

    public static StorageAccount Storage(IConfiguration configuration)
    {
        if (configuration[Connection] is { Length: > 0 } connectionString)
            return StorageAccount.Parse(connectionString);
        if (configuration[$"{Connection}:accountName"] is { Length: > 0 } accountName)
        {
            string? clientId = configuration[$"{Connection}:clientId"];
            var credential = new DefaultAzureCredential(
                new DefaultAzureCredentialOptions { ManagedIdentityClientId = clientId }
            );
            return StorageAccount.Parse(accountName, credential);
        }
        throw new StorageConfigurationException(
            $"Set {Connection} (a connection string) or {Connection}__accountName (+ {Connection}__credential=managedidentity, {Connection}__clientId) in the app settings."
        );
    }
}

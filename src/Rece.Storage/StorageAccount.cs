using Azure.Core;
using Azure.Identity;
using Azure.Storage.Blobs;
using Azure.Storage.Queues;
using DurableTask.AzureStorage;

namespace Rece.Storage;

/// <summary>
/// One storage account, from what the user gave: a connection string (contains '=': Azurite's, or an account's), an
/// account name, or a blob endpoint URL. With a name or URL every client (blob, queue, table, and the Durable Task
/// backend) authenticates with DefaultAzureCredential; AZURE_CLIENT_ID selects a user-assigned managed identity.
/// </summary>
public sealed class StorageAccount
{
    private StorageAccount(
        string description,
        string? connectionString,
        Uri? blobUri,
        Uri? queueUri,
        Uri? tableUri,
        TokenCredential? credential
    )
    {
        Description = description;
        ConnectionString = connectionString;
        BlobUri = blobUri;
        QueueUri = queueUri;
        TableUri = tableUri;
        Credential = credential;
        Blobs = connectionString is not null
            ? new BlobServiceClient(connectionString)
            : new BlobServiceClient(blobUri, credential);
        Queues = connectionString is not null
            ? new QueueServiceClient(connectionString)
            : new QueueServiceClient(queueUri, credential);
    }

    /// <summary>For logs: never contains a key.</summary>
    public string Description { get; }

    public string? ConnectionString { get; }

    public Uri? BlobUri { get; }

    public Uri? QueueUri { get; }

    public Uri? TableUri { get; }

    public TokenCredential? Credential { get; }

    public BlobServiceClient Blobs { get; }

    public QueueServiceClient Queues { get; }

    public BlobContainerClient Container(string name) => Blobs.GetBlobContainerClient(name);

    /// <summary>
    /// The one way the pipeline addresses a blob: the name is checked (<see cref="BlobPath.CheckName"/>) and the
    /// client's resolved URI must lie inside the container's, so no name from a request or a result reaches another
    /// container.
    /// </summary>
    /// <exception cref="FormatException">The name, as resolved, leaves the container.</exception>
    public BlobClient Blob(BlobPath path)
    {
        BlobPath.CheckName(path.Name);
        var container = Container(path.Container);
        var client = container.GetBlobClient(path.Name);
        string root = container.Uri.AbsolutePath.TrimEnd('/') + "/";
        if (
            !client.Uri.AbsolutePath.StartsWith(root, StringComparison.Ordinal)
            || client.Uri.AbsolutePath.Length == root.Length
        )
            throw new FormatException(
                $"The blob name \"{path.Name}\" resolves to {client.Uri.AbsolutePath}, outside {root}."
            );
        return client;
    }

    public BlobClient Blob(string container, string name) => Blob(new BlobPath(container, name));

    public QueueClient GpuJobs => Queues.GetQueueClient(StorageNames.GpuJobs);

    /// <summary>What to give when no storage was given.</summary>
    public const string NotGiven =
        "No storage given: pass --storage (a connection string such as \"UseDevelopmentStorage=true\", an account name, "
        + "or a blob endpoint URL) or set "
        + StorageNames.StorageVariable
        + ".";

    /// <summary>The storage setting's value (the hosts' settings read --storage, else RECE_STORAGE), parsed.</summary>
    /// <exception cref="StorageConfigurationException">None given, or not a storage account.</exception>
    public static StorageAccount Resolve(string? value) =>
        string.IsNullOrWhiteSpace(value) ? throw new StorageConfigurationException(NotGiven) : Parse(value.Trim());

    public static StorageAccount Parse(string value, TokenCredential? credential = null)
    {
        if (value.Contains('='))
            return FromConnectionString(value);
        if (Uri.TryCreate(value, UriKind.Absolute, out var uri) && (uri.Scheme == "https" || uri.Scheme == "http"))
        {
            string host = uri.Host;
            int blob = host.IndexOf(".blob.", StringComparison.OrdinalIgnoreCase);
            if (blob < 0)
                throw new StorageConfigurationException(
                    $"{value} is not a blob endpoint (https://ACCOUNT.blob.core.windows.net); give the blob endpoint, the account name, or a connection string."
                );
            Uri Service(string kind) =>
                new UriBuilder(uri) { Host = host[..blob] + "." + kind + "." + host[(blob + 6)..], Path = "/" }.Uri;
            return WithCredential(value, Service("blob"), Service("queue"), Service("table"), credential);
        }
        if (value.Length is >= 3 and <= 24 && value.All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c)))
        {
            Uri Service(string kind) => new($"https://{value}.{kind}.core.windows.net/");
            return WithCredential(value, Service("blob"), Service("queue"), Service("table"), credential);
        }
        throw new StorageConfigurationException(
            $"\"{value}\" is neither a connection string (it has no '='), a storage account name (3-24 lower-case letters and digits), nor a blob endpoint URL."
        );
    }

    private static StorageAccount FromConnectionString(string connectionString)
    {
        try
        {
            // Parsing here turns a malformed string into one clear error before anything starts.
            var probe = new BlobServiceClient(connectionString);
            return new StorageAccount(
                $"{probe.AccountName} (connection string)",
                connectionString,
                probe.Uri,
                null,
                null,
                null
            );
        }
        catch (Exception e) when (e is FormatException or ArgumentException)
        {
            throw new StorageConfigurationException(
                $"The storage connection string is malformed ({e.Message}); for Azurite use \"UseDevelopmentStorage=true\"."
            );
        }
    }

    private static StorageAccount WithCredential(
        string description,
        Uri blob,
        Uri queue,
        Uri table,
        TokenCredential? credential
    ) =>
        new(
            $"{description} (DefaultAzureCredential)",
            null,
            blob,
            queue,
            table,
            credential ?? new DefaultAzureCredential()
        );

    /// <summary>The Durable Task Azure Storage backend's view of the same account.</summary>
    public StorageAccountClientProvider ClientProvider() =>
        ConnectionString is not null
            ? new StorageAccountClientProvider(ConnectionString)
            : new StorageAccountClientProvider(BlobUri!, QueueUri!, TableUri!, Credential!);

    /// <summary>Creates the containers and the gpu-jobs queue when missing.</summary>
    public async Task EnsureCreatedAsync(CancellationToken cancellationToken = default)
    {
        foreach (var name in StorageNames.Containers)
            await Container(name).CreateIfNotExistsAsync(cancellationToken: cancellationToken);
        await GpuJobs.CreateIfNotExistsAsync(cancellationToken: cancellationToken);
    }
}

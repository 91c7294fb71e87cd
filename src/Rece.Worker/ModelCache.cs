using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using Azure.Storage.Blobs.Models;
using Rece.Storage;

namespace Rece.Worker;

/// <summary>A model folder downloaded from the models container: where it is and the key of the blob versions it holds.</summary>
public sealed record CachedModel(string Name, string Directory, string Key);

/// <summary>
/// Local copies of models/{name}/ folders, keyed by the blobs' names and ETags: a changed or added blob gives a new key
/// (and a fresh download), an unchanged model is downloaded once per machine. Each copy is downloaded under a temporary
/// name and renamed into place when complete.
/// </summary>
public sealed class ModelCache(StorageAccount account, string root, Action<string>? log = null)
{
    private readonly ConcurrentDictionary<string, SemaphoreSlim> _locks = new();

    public string Root { get; } = root;

    public static string DefaultRoot =>
        Environment.GetEnvironmentVariable("RECE_MODEL_CACHE") is { Length: > 0 } configured ? configured
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.LocalApplicationData, Environment.SpecialFolderOption.Create) is { Length: > 0 } data ? data : Path.GetTempPath(), "rece", "models");

    public async Task<CachedModel> GetAsync(string name, CancellationToken cancellationToken = default)
    {
        var container = account.Container(StorageNames.Models);
        string prefix = name.TrimEnd('/') + "/";
        var blobs = new List<BlobItem>();
        await foreach (var blob in container.GetBlobsAsync(new GetBlobsOptions { Prefix = prefix }, cancellationToken))
            blobs.Add(blob);
        if (blobs.Count == 0)
            throw new ModelNotFoundException($"The models container has no folder {name}/: upload the diffusers model there (models/{name}/model_index.json, unet/, text_encoder/, tokenizer/).");
        blobs.Sort((a, b) => string.CompareOrdinal(a.Name, b.Name));
        string key = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(string.Join("\n", blobs.Select(b => $"{b.Name} {b.Properties.ETag}")))))[..16];
        string safeName = name.Replace('/', '_');
        string directory = Path.Combine(Root, safeName, key);
        if (Directory.Exists(directory))
            return new CachedModel(name, directory, key);

        var gate = _locks.GetOrAdd(directory, _ => new SemaphoreSlim(1, 1));
        await gate.WaitAsync(cancellationToken);
        try
        {
            if (Directory.Exists(directory))
                return new CachedModel(name, directory, key);
            string partial = Path.Combine(Root, safeName, $".partial-{key}-{Guid.NewGuid():N}"[..40]);
            log?.Invoke($"downloading models/{name}/ ({blobs.Count} blobs, {blobs.Sum(b => b.Properties.ContentLength ?? 0) / 1e6:F1} MB) to {directory}");
            try
            {
                foreach (var blob in blobs)
                {
                    string relative = blob.Name[prefix.Length..];
                    if (relative.Length == 0 || relative.Split('/').Any(p => p is "" or "." or ".."))
                        continue;
                    string target = Path.Combine(partial, relative);
                    Directory.CreateDirectory(Path.GetDirectoryName(target)!);
                    await container.GetBlobClient(blob.Name).DownloadToAsync(target, cancellationToken);
                }
                try
                {
                    Directory.Move(partial, directory);
                }
                catch (IOException) when (Directory.Exists(directory))
                {
                    // Another process finished the same download first.
                }
            }
            finally
            {
                if (Directory.Exists(partial))
                    Directory.Delete(partial, recursive: true);
            }
            return new CachedModel(name, directory, key);
        }
        finally
        {
            gate.Release();
        }
    }

    /// <summary>
    /// One file of the models container (e.g. a detector's ONNX file), cached like the folders: keyed by its ETag,
    /// downloaded once under a temporary name and renamed into place.
    /// </summary>
    /// <exception cref="ModelNotFoundException">No such blob.</exception>
    public async Task<string> GetFileAsync(string name, CancellationToken cancellationToken = default)
    {
        var blob = account.Container(StorageNames.Models).GetBlobClient(name);
        Azure.ETag etag;
        try
        {
            etag = (await blob.GetPropertiesAsync(cancellationToken: cancellationToken)).Value.ETag;
        }
        catch (Azure.RequestFailedException e) when (e.Status == 404)
        {
            throw new ModelNotFoundException($"The models container has no blob {name}.");
        }
        string key = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes($"{name} {etag}")))[..16];
        string directory = Path.Combine(Root, ".files", name.Replace('/', '_'), key);
        string path = Path.Combine(directory, Path.GetFileName(name));
        if (File.Exists(path))
            return path;
        Directory.CreateDirectory(directory);
        string partial = path + $".partial-{Guid.NewGuid():N}";
        try
        {
            await blob.DownloadToAsync(partial, new BlobDownloadToOptions { Conditions = new BlobRequestConditions { IfMatch = etag } }, cancellationToken);
            File.Move(partial, path, overwrite: true);
        }
        finally
        {
            if (File.Exists(partial))
                File.Delete(partial);
        }
        return path;
    }
}

/// <summary>The job names a model folder the models container does not have.</summary>
public sealed class ModelNotFoundException(string message) : Exception(message);

using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using Azure.Storage.Blobs.Models;
using Microsoft.Extensions.Logging;
using Rece.Storage;

namespace Rece.Worker;

/// <summary>
/// Local copies of models/{name}/ folders, keyed by the blobs' names and ETags: a changed or added blob gives a new key
/// (and a fresh download), an unchanged model is downloaded once per machine. Each blob is downloaded pinned to the
/// ETag it was listed with (If-Match), so a model replaced mid-download never mixes two versions under one key; each
/// copy is downloaded under a temporary name and renamed into place when complete. The cache is bounded: after a
/// download the least recently used copies are deleted until it fits <see cref="MaxBytes"/> (the copy in use is never
/// deleted).
/// </summary>
/// <param name="maxBytes">Default: <see cref="DefaultMaxBytes"/> (the hosts take it from RECE_MODEL_CACHE_MAX_GB,
/// <see cref="WorkerSettings"/>).</param>
public sealed class ModelCache(StorageAccount account, string root, ILogger? log = null, long? maxBytes = null)
{
    /// <summary>100 GB.</summary>
    public const long DefaultMaxBytes = 100_000_000_000;

    private readonly ConcurrentDictionary<string, SemaphoreSlim> _locks = new();

    public string Root { get; } = root;

    public long MaxBytes { get; } = maxBytes ?? DefaultMaxBytes;

    /// <summary>The root when neither --model-cache nor RECE_MODEL_CACHE gives one: in the user's local data.</summary>
    public static string DefaultRoot =>
        Path.Combine(
            Environment.GetFolderPath(
                Environment.SpecialFolder.LocalApplicationData,
                Environment.SpecialFolderOption.Create
            )
                is { Length: > 0 } data
                ? data
                : Path.GetTempPath(),
            "rece",
            "models"
        );

    public async Task<CachedModel> GetAsync(string name, CancellationToken cancellationToken = default)
    {
        var container = account.Container(StorageNames.Models);
        string prefix = name.TrimEnd('/') + "/";
        var blobs = new List<BlobItem>();
        await foreach (var blob in container.GetBlobsAsync(new GetBlobsOptions { Prefix = prefix }, cancellationToken))
            blobs.Add(blob);
        if (blobs.Count == 0)
            throw new ModelNotFoundException(
                $"The models container has no folder {name}/: upload the diffusers model there (models/{name}/model_index.json, unet/, text_encoder/, tokenizer/)."
            );
        blobs.Sort((a, b) => string.CompareOrdinal(a.Name, b.Name));
        string key = Convert.ToHexStringLower(
            SHA256.HashData(
                Encoding.UTF8.GetBytes(string.Join("\n", blobs.Select(b => $"{b.Name} {b.Properties.ETag}")))
            )
        )[..16];
        string safeName = name.Replace('/', '_');
        string directory = Path.Combine(Root, safeName, key);
        if (Directory.Exists(directory))
            return Used(new CachedModel(name, directory, key));

        var gate = _locks.GetOrAdd(directory, _ => new SemaphoreSlim(1, 1));
        await gate.WaitAsync(cancellationToken);
        try
        {
            if (Directory.Exists(directory))
                return new CachedModel(name, directory, key);
            string partial = Path.Combine(Root, safeName, $".partial-{key}-{Guid.NewGuid():N}"[..40]);
            log?.Downloading(name, blobs.Count, blobs.Sum(b => b.Properties.ContentLength ?? 0) / 1e6, directory);
            try
            {
                foreach (var blob in blobs)
                {
                    string relative = blob.Name[prefix.Length..];
                    if (relative.Length == 0 || relative.Split('/').Any(p => p is "" or "." or ".."))
                        continue;
                    string target = Path.Combine(partial, relative);
                    Directory.CreateDirectory(Path.GetDirectoryName(target)!);
                    await DownloadPinnedAsync(
                        account.Blob(StorageNames.Models, blob.Name),
                        target,
                        blob.Properties.ETag,
                        cancellationToken
                    );
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
            Evict(keep: directory);
            return Used(new CachedModel(name, directory, key));
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
        var blob = account.Blob(StorageNames.Models, name);
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
        {
            Touch(directory);
            return path;
        }
        Directory.CreateDirectory(directory);
        string partial = path + $".partial-{Guid.NewGuid():N}";
        try
        {
            await DownloadPinnedAsync(blob, partial, etag, cancellationToken);
            File.Move(partial, path, overwrite: true);
        }
        finally
        {
            if (File.Exists(partial))
                File.Delete(partial);
        }
        Evict(keep: directory);
        Touch(directory);
        return path;
    }

    /// <exception cref="IOException">The blob changed since it was listed: the job is retried and lists the new
    /// version.</exception>
    private static async Task DownloadPinnedAsync(
        Azure.Storage.Blobs.BlobClient blob,
        string target,
        Azure.ETag? etag,
        CancellationToken cancellationToken
    )
    {
        try
        {
            await blob.DownloadToAsync(
                target,
                new BlobDownloadToOptions { Conditions = new BlobRequestConditions { IfMatch = etag } },
                cancellationToken
            );
        }
        catch (Azure.RequestFailedException e) when (e.Status == 412)
        {
            throw new IOException(
                $"{blob.BlobContainerName}/{blob.Name} changed while the model was downloaded; the job is retried with the new version.",
                e
            );
        }
    }

    private static CachedModel Used(CachedModel model)
    {
        Touch(model.Directory);
        return model;
    }

    /// <summary>The copy's last use, for eviction: its folder's modification time.</summary>
    private static void Touch(string directory)
    {
        try
        {
            Directory.SetLastWriteTimeUtc(directory, DateTime.UtcNow);
        }
        catch (IOException)
        {
            // Deleted meanwhile by another process's eviction: the next use downloads it again.
        }
    }

    /// <summary>The cached copies (model folders and single files), each with its size and last use.</summary>
    public IReadOnlyList<(string Directory, long Bytes, DateTime LastUsed)> Entries()
    {
        if (!Directory.Exists(Root))
            return Array.Empty<(string, long, DateTime)>();
        var entries = new List<(string, long, DateTime)>();
        // Folders: Root/{model}/{key}/; single files: Root/.files/{name}/{key}/{file}.
        var groups = Directory
            .EnumerateDirectories(Root)
            .SelectMany(g => Path.GetFileName(g) == ".files" ? Directory.EnumerateDirectories(g) : new[] { g });
        foreach (var group in groups)
        {
            foreach (var entry in Directory.EnumerateDirectories(group))
            {
                if (Path.GetFileName(entry).StartsWith(".partial-", StringComparison.Ordinal))
                    continue;
                long bytes = new DirectoryInfo(entry)
                    .EnumerateFiles("*", SearchOption.AllDirectories)
                    .Sum(f => f.Length);
                entries.Add((entry, bytes, Directory.GetLastWriteTimeUtc(entry)));
            }
        }
        return entries;
    }

    /// <summary>Deletes least recently used copies until the cache fits <see cref="MaxBytes"/>; <paramref name="keep"/>
    /// stays.</summary>
    private void Evict(string keep)
    {
        var entries = Entries().OrderBy(e => e.LastUsed).ToList();
        long total = entries.Sum(e => e.Bytes);
        foreach (var (directory, bytes, _) in entries)
        {
            if (total <= MaxBytes)
                break;
            if (Path.GetFullPath(directory) == Path.GetFullPath(keep))
                continue;
            try
            {
                Directory.Delete(directory, recursive: true);
                total -= bytes;
                log?.Evicted(MaxBytes / 1e9, directory, bytes / 1e6);
            }
            catch (IOException)
            {
                // In use or already gone: the next eviction tries again.
            }
        }
    }
}

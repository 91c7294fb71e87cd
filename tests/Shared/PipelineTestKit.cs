using System.Diagnostics;
using System.Security.Cryptography;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;

namespace Rece.Testing;

/// <summary>Helpers the pipeline tests share: uploading a model folder, waiting for a condition, hashing
/// folders.</summary>
public static class PipelineTestKit
{
    public static async Task UploadFolderAsync(BlobContainerClient container, string prefix, string folder)
    {
        await container.CreateIfNotExistsAsync();
        foreach (var file in Directory.EnumerateFiles(folder, "*", SearchOption.AllDirectories))
        {
            string name =
                prefix.TrimEnd('/')
                + "/"
                + Path.GetRelativePath(folder, file).Replace(Path.DirectorySeparatorChar, '/');
            await container.GetBlobClient(name).UploadAsync(file, overwrite: true);
        }
    }

    public static async Task<List<string>> ListAsync(BlobContainerClient container, string prefix)
    {
        var names = new List<string>();
        await foreach (var blob in container.GetBlobsAsync(new GetBlobsOptions { Prefix = prefix }))
            names.Add(blob.Name);
        return names;
    }

    /// <summary>Polls every 50 ms until the condition returns a value or the timeout passes.</summary>
    public static async Task<T> EventuallyAsync<T>(Func<Task<T?>> probe, TimeSpan timeout, string what)
        where T : class
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            var value = await probe();
            if (value is not null)
                return value;
            if (clock.Elapsed > timeout)
                throw new TimeoutException($"{what} did not happen within {timeout.TotalSeconds:F0} s.");
            await Task.Delay(50);
        }
    }

    public static Dictionary<string, string> HashTree(string folder, params string[] except) =>
        Directory
            .EnumerateFiles(folder, "*", SearchOption.AllDirectories)
            .Select(f => Path.GetRelativePath(folder, f))
            .Where(r => !except.Contains(r))
            .ToDictionary(
                r => r,
                r => Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(Path.Combine(folder, r))))
            );

    public static string TempFolder(string label)
    {
        string path = Path.Combine(Path.GetTempPath(), $"rece-{label}-{Guid.NewGuid():N}"[..40]);
        Directory.CreateDirectory(path);
        return path;
    }
}

using System.Security.Cryptography;
using Azure.Storage.Blobs;
using Rece.Orchestration;

namespace Rece.Storage;

/// <summary>
/// The commit protocol checkpoints and evaluation shards share: content blobs written create-only, then a JSON marker
/// created last that names them with their hashes. A folder without its marker is not done; readers go through the
/// marker and check each blob's hash.
/// </summary>
internal sealed class CommittedBlobs(StorageAccount account)
{
    public BlobClient Blob(BlobPath path) => account.Blob(path);

    public static CheckpointFile Describe(BlobPath path, BinaryData content) =>
        new(
            path.ToString(),
            content.ToMemory().Length,
            Convert.ToHexStringLower(SHA256.HashData(content.ToMemory().Span))
        );

    /// <summary>A JSON blob (a marker), or null when it does not exist.</summary>
    public async Task<T?> TryReadAsync<T>(BlobPath path, CancellationToken cancellationToken)
        where T : class
    {
        var content = await CreateOnlyBlobs.TryDownloadAsync(Blob(path), cancellationToken);
        return content is null ? null : PipelineJson.Deserialize<T>(content.ToString());
    }

    /// <summary>
    /// Creates the marker unless another delivery of the same job did first; then the committed one is returned,
    /// provided <paramref name="sameContent"/> says it commits what this delivery computed.
    /// </summary>
    /// <returns>The committed marker and whether this call created it.</returns>
    public async Task<(T Marker, bool Committed)> CommitAsync<T>(
        BlobPath markerPath,
        T marker,
        Func<T, bool> sameContent,
        Func<T, string> conflict,
        CancellationToken cancellationToken
    )
        where T : class
    {
        if (
            await CreateOnlyBlobs.TryCreateAsync(
                Blob(markerPath),
                BinaryData.FromString(PipelineJson.Serialize(marker, indented: true)),
                "application/json",
                cancellationToken: cancellationToken
            )
        )
            return (marker, true);
        var existing = await TryReadAsync<T>(markerPath, cancellationToken)
            ?? throw new InvalidOperationException($"{markerPath} exists but could not be read.");
        return sameContent(existing) ? (existing, false) : throw new BlobConflictException(conflict(existing));
    }

    /// <summary>A committed blob, checked against the hash its marker (<paramref name="markerName"/>)
    /// records.</summary>
    public async Task<BinaryData> ReadVerifiedAsync(
        CheckpointFile file,
        string markerName,
        CancellationToken cancellationToken
    )
    {
        var content = (await Blob(BlobPath.Parse(file.Path)).DownloadContentAsync(cancellationToken)).Value.Content;
        string sha = Convert.ToHexStringLower(SHA256.HashData(content.ToMemory().Span));
        if (sha != file.Sha256)
            throw new InvalidDataException(
                $"{file.Path} has SHA-256 {sha}, but its {markerName} records {file.Sha256}."
            );
        return content;
    }
}

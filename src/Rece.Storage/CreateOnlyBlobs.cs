using Azure;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;

namespace Rece.Storage;

/// <summary>
/// Create-only blob writes (If-None-Match: *): a blob is written once and never replaced, so a retried or duplicated
/// job can never change a checkpoint another reader already used. A retry that finds the same bytes already there
/// takes them as its own; different bytes are a conflict.
/// </summary>
public static class CreateOnlyBlobs
{
    public enum Outcome
    {
        Created,
        AlreadyIdentical,
    }

    public static async Task<Outcome> WriteAsync(
        BlobClient blob,
        BinaryData content,
        string contentType,
        CancellationToken cancellationToken = default
    )
    {
        try
        {
            await blob.UploadAsync(
                content,
                new BlobUploadOptions
                {
                    Conditions = new BlobRequestConditions { IfNoneMatch = ETag.All },
                    HttpHeaders = new BlobHttpHeaders { ContentType = contentType },
                },
                cancellationToken
            );
            return Outcome.Created;
        }
        catch (RequestFailedException e) when (IsAlreadyThere(e))
        {
            var existing = await blob.DownloadContentAsync(cancellationToken);
            if (existing.Value.Content.ToMemory().Span.SequenceEqual(content.ToMemory().Span))
                return Outcome.AlreadyIdentical;
            throw new BlobConflictException(
                $"{blob.BlobContainerName}/{blob.Name} already exists with other content ({existing.Value.Details.ContentLength} bytes, this write has {content.ToMemory().Length}); it is never replaced."
            );
        }
    }

    /// <summary>Writes only when absent; returns false when the blob was already there (its content is left as it
    /// was).</summary>
    public static async Task<bool> TryCreateAsync(
        BlobClient blob,
        BinaryData content,
        string contentType,
        IDictionary<string, string>? metadata = null,
        CancellationToken cancellationToken = default
    )
    {
        try
        {
            await blob.UploadAsync(
                content,
                new BlobUploadOptions
                {
                    Conditions = new BlobRequestConditions { IfNoneMatch = ETag.All },
                    HttpHeaders = new BlobHttpHeaders { ContentType = contentType },
                    Metadata = metadata,
                },
                cancellationToken
            );
            return true;
        }
        catch (RequestFailedException e) when (IsAlreadyThere(e))
        {
            return false;
        }
    }

    public static bool IsAlreadyThere(RequestFailedException e) =>
        e.Status == 409 && e.ErrorCode == BlobErrorCode.BlobAlreadyExists || e.Status == 412;

    public static async Task<BinaryData?> TryDownloadAsync(
        BlobClient blob,
        CancellationToken cancellationToken = default
    )
    {
        try
        {
            return (await blob.DownloadContentAsync(cancellationToken)).Value.Content;
        }
        catch (RequestFailedException e) when (e.Status == 404)
        {
            return null;
        }
    }
}

using Rece.Orchestration.Jobs;

namespace Rece.Storage;

/// <summary>
/// checkpoints/{instance}/{run}/epoch-{k}/: rece-patch.safetensors and state.safetensors written create-only, then
/// measures.json create-only as the commit marker. A checkpoint without its marker is not done (a crash between the
/// writes leaves only blobs that the retry, computing the same bytes, takes as its own).
/// </summary>
public sealed class CheckpointStore(StorageAccount account)
{
    private readonly CommittedBlobs _blobs = new(account);

    /// <summary>The committed checkpoint under <paramref name="prefix"/> ("checkpoints/.../epoch-k/"), or
    /// null.</summary>
    public Task<CheckpointMarker?> TryReadMarkerAsync(string prefix, CancellationToken cancellationToken = default) =>
        _blobs.TryReadAsync<CheckpointMarker>(
            BlobPath.Parse(prefix).Child(CheckpointLayout.Measures),
            cancellationToken
        );

    /// <summary>Commits a checkpoint; when another delivery of the same job committed first, returns its
    /// marker.</summary>
    /// <returns>The committed marker and whether it was this call that committed it.</returns>
    public async Task<(CheckpointMarker Marker, bool Committed)> CommitAsync(
        string prefix,
        string jobId,
        int epoch,
        BinaryData patch,
        BinaryData state,
        IReadOnlyList<StageMeasure> measures,
        string worker,
        CancellationToken cancellationToken = default
    )
    {
        var root = BlobPath.Parse(prefix);
        var patchPath = root.Child(CheckpointLayout.Patch);
        var statePath = root.Child(CheckpointLayout.State);
        // Independent blobs: written at once; only the marker must come after both.
        await Task.WhenAll(
            CreateOnlyBlobs.WriteAsync(_blobs.Blob(patchPath), patch, "application/octet-stream", cancellationToken),
            CreateOnlyBlobs.WriteAsync(_blobs.Blob(statePath), state, "application/octet-stream", cancellationToken)
        );
        var marker = new CheckpointMarker
        {
            JobId = jobId,
            Epoch = epoch,
            Patch = CommittedBlobs.Describe(patchPath, patch),
            State = CommittedBlobs.Describe(statePath, state),
            Measures = measures,
            Worker = worker,
            CreatedTime = DateTimeOffset.UtcNow,
        };
        return await _blobs.CommitAsync(
            root.Child(CheckpointLayout.Measures),
            marker,
            existing => existing.Patch.Sha256 == marker.Patch.Sha256 && existing.State.Sha256 == marker.State.Sha256,
            existing => $"{root} was committed with other content by {existing.Worker}.",
            cancellationToken
        );
    }

    /// <summary>Reads a committed checkpoint's blob and checks it against the marker's hash.</summary>
    public Task<BinaryData> ReadVerifiedAsync(CheckpointFile file, CancellationToken cancellationToken = default) =>
        _blobs.ReadVerifiedAsync(file, "checkpoint's " + CheckpointLayout.Measures, cancellationToken);

    public static CheckpointInfo ToInfo(string prefix, CheckpointMarker marker) =>
        new(marker.Epoch, prefix, marker.Patch.Path, marker.State.Path, marker.Measures);
}

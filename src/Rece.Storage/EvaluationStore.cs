using Rece.Orchestration.Jobs;

namespace Rece.Storage;

/// <summary>
/// The evaluation's blobs under reports/{instance}/evaluation/. A shard folder's report.json and images are written
/// create-only, then shard.json create-only as the commit marker, exactly as checkpoints are committed: a folder
/// without its marker is not done, and a retry computing the same bytes takes what an interrupted delivery left as its
/// own. Merged reports, the HTML and a run's choice.json (its commit marker, written last) are create-only too.
/// </summary>
public sealed class EvaluationStore(StorageAccount account)
{
    private readonly CommittedBlobs _blobs = new(account);

    public Task<ShardMarker?> TryReadShardMarkerAsync(string prefix, CancellationToken cancellationToken = default) =>
        _blobs.TryReadAsync<ShardMarker>(BlobPath.Parse(prefix).Child(EvaluationLayout.ShardMarker), cancellationToken);

    /// <summary>Commits a shard: its files (paths relative to the shard folder), then report.json, then
    /// shard.json.</summary>
    /// <returns>The committed marker and whether this call committed it (false: another delivery of the job did
    /// first).</returns>
    public async Task<(ShardMarker Marker, bool Committed)> CommitShardAsync(
        string prefix,
        string jobId,
        BinaryData report,
        IReadOnlyList<(string Relative, BinaryData Content, string ContentType)> files,
        ShardReportInfo shard,
        IReadOnlyDictionary<string, double> timings,
        string worker,
        CancellationToken cancellationToken = default
    )
    {
        var root = BlobPath.Parse(prefix);
        var described = new CheckpointFile[files.Count];
        await Parallel.ForEachAsync(
            Enumerable.Range(0, files.Count),
            new ParallelOptions { MaxDegreeOfParallelism = 8, CancellationToken = cancellationToken },
            async (i, ct) =>
            {
                var (relative, content, type) = files[i];
                var path = root.Child(relative);
                await CreateOnlyBlobs.WriteAsync(_blobs.Blob(path), content, type, ct);
                described[i] = CommittedBlobs.Describe(path, content);
            }
        );
        var reportPath = root.Child(EvaluationLayout.ShardReport);
        await CreateOnlyBlobs.WriteAsync(_blobs.Blob(reportPath), report, "application/json", cancellationToken);
        var marker = new ShardMarker
        {
            JobId = jobId,
            Report = CommittedBlobs.Describe(reportPath, report),
            Files = described,
            Shard = shard,
            Timings = timings,
            Worker = worker,
            CreatedTime = DateTimeOffset.UtcNow,
        };
        return await _blobs.CommitAsync(
            root.Child(EvaluationLayout.ShardMarker),
            marker,
            existing => existing.Report.Sha256 == marker.Report.Sha256,
            existing => $"{prefix} was committed with another report by {existing.Worker}.",
            cancellationToken
        );
    }

    /// <summary>A committed shard's report.json (container/name), checked against its folder's shard.json.</summary>
    public async Task<string> ReadShardReportAsync(string reportPath, CancellationToken cancellationToken = default)
    {
        var path = BlobPath.Parse(reportPath);
        string prefix = $"{path.Container}/{path.Name[..(path.Name.LastIndexOf('/') + 1)]}";
        var marker = await TryReadShardMarkerAsync(prefix, cancellationToken)
            ?? throw new InvalidDataException(
                $"{reportPath} is not part of a committed shard: {prefix}{EvaluationLayout.ShardMarker} is missing."
            );
        if (marker.Report.Path != reportPath)
            throw new InvalidDataException(
                $"{prefix}{EvaluationLayout.ShardMarker} commits {marker.Report.Path}, not {reportPath}."
            );
        return (await ReadVerifiedAsync(marker.Report, cancellationToken)).ToString();
    }

    public Task<BinaryData> ReadVerifiedAsync(CheckpointFile file, CancellationToken cancellationToken = default) =>
        _blobs.ReadVerifiedAsync(file, EvaluationLayout.ShardMarker, cancellationToken);

    public Task<BinaryData?> TryDownloadAsync(string path, CancellationToken cancellationToken = default) =>
        CreateOnlyBlobs.TryDownloadAsync(_blobs.Blob(BlobPath.Parse(path)), cancellationToken);

    public Task<CreateOnlyBlobs.Outcome> WriteCreateOnlyAsync(
        string path,
        BinaryData content,
        string contentType,
        CancellationToken cancellationToken = default
    ) => CreateOnlyBlobs.WriteAsync(_blobs.Blob(BlobPath.Parse(path)), content, contentType, cancellationToken);

    /// <summary>Writes a run's choice.json unless another delivery did; returns what is committed and whether this call
    /// wrote it.</summary>
    /// <remarks>Any committed choice stands: a run's choice is final once written.</remarks>
    public Task<(RunEvaluationReport Choice, bool Committed)> CommitChoiceAsync(
        string path,
        RunEvaluationReport choice,
        CancellationToken cancellationToken = default
    ) => _blobs.CommitAsync(BlobPath.Parse(path), choice, _ => true, _ => "", cancellationToken);

    public Task<RunEvaluationReport?> TryReadChoiceAsync(string path, CancellationToken cancellationToken = default) =>
        _blobs.TryReadAsync<RunEvaluationReport>(BlobPath.Parse(path), cancellationToken);
}

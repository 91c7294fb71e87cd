using Azure;
using Azure.Storage.Blobs.Models;
using Rece.Orchestration;
using Rece.Orchestration.Activities;
using Rece.Orchestration.Jobs;

namespace Rece.Storage;

/// <summary>Reports, published outputs and result documents in Blob Storage.</summary>
public sealed class ErasureOutputs(StorageAccount account) : IErasureOutputs
{
    /// <summary>Blob metadata naming the instance that published a blob under an output prefix: only it may replace or
    /// delete the blob.</summary>
    public const string InstanceMetadata = "receinstance";

    public static string ReportPath(string instanceId) => $"{StorageNames.Reports}/{instanceId}/report.json";

    public async Task<ReportWritten> WriteReportAsync(ReportWrite write, CancellationToken cancellationToken = default)
    {
        string instanceId = write.Report.InstanceId;
        var report = BinaryData.FromString(PipelineJson.Serialize(write.Report, indented: true));
        var path = BlobPath.Parse(ReportPath(instanceId));
        // One put: a reader sees the whole report or none. Rewritten by a retry with the same content.
        await account
            .Blob(path)
            .UploadAsync(
                report,
                new BlobUploadOptions { HttpHeaders = new BlobHttpHeaders { ContentType = "application/json" } },
                cancellationToken
            );
        PublishedOutputs? published = null;
        if (write.Output is { Length: > 0 } prefix)
        {
            string ownCheckpoints = CheckpointLayout.InstancePrefix(instanceId);
            var patches = new Dictionary<string, string>();
            foreach (var run in write.Report.Runs.Where(r => r.Patch is not null))
            {
                // Only this instance's own checkpoints are ever copied out, whatever a result event claimed.
                if (!run.Patch!.StartsWith(ownCheckpoints, StringComparison.Ordinal))
                    throw new OutputConflictException(
                        $"{run.Run}'s patch {run.Patch} is not under this instance's checkpoints ({ownCheckpoints}); it is not published."
                    );
                var content = (await account.Blob(BlobPath.Parse(run.Patch)).DownloadContentAsync(cancellationToken))
                    .Value
                    .Content;
                string name = $"{prefix}/{run.Run}/{CheckpointLayout.Patch}";
                await PublishAsync(name, content, "application/octet-stream", instanceId, cancellationToken);
                patches[run.Run] = $"{StorageNames.Results}/{name}";
            }
            string reportName = $"{prefix}/report.json";
            await PublishAsync(reportName, report, "application/json", instanceId, cancellationToken);
            published = new PublishedOutputs($"{StorageNames.Results}/{reportName}", patches);
        }
        return new ReportWritten(path.ToString(), published);
    }

    /// <summary>The instance that published erasure-results/{prefix}/report.json, or null when nothing is published
    /// there.</summary>
    public async Task<string?> PublisherOfAsync(string outputPrefix, CancellationToken cancellationToken = default)
    {
        try
        {
            var properties = await account
                .Blob(StorageNames.Results, $"{outputPrefix.Trim('/')}/report.json")
                .GetPropertiesAsync(cancellationToken: cancellationToken);
            return properties.Value.Metadata.TryGetValue(InstanceMetadata, out var owner) ? owner : "";
        }
        catch (RequestFailedException e) when (e.Status == 404)
        {
            return null;
        }
    }

    /// <summary>Creates the blob, or replaces it only when this instance published it (a retried activity): never
    /// another instance's output.</summary>
    private async Task PublishAsync(
        string name,
        BinaryData content,
        string contentType,
        string instanceId,
        CancellationToken cancellationToken
    )
    {
        var blob = account.Blob(StorageNames.Results, name);
        var metadata = new Dictionary<string, string> { [InstanceMetadata] = instanceId };
        var headers = new BlobHttpHeaders { ContentType = contentType };
        for (int tries = 0; tries < 5; tries++)
        {
            if (await CreateOnlyBlobs.TryCreateAsync(blob, content, contentType, metadata, cancellationToken))
                return;
            ETag etag;
            try
            {
                var properties = (await blob.GetPropertiesAsync(cancellationToken: cancellationToken)).Value;
                if (!properties.Metadata.TryGetValue(InstanceMetadata, out var owner) || owner != instanceId)
                    throw new OutputConflictException(
                        $"{StorageNames.Results}/{name} was published by {(owner is null ? "something else" : "instance " + owner)}; "
                            + "choose another output prefix, or purge that instance with deleteOutputs=true first."
                    );
                etag = properties.ETag;
            }
            catch (RequestFailedException e) when (e.Status == 404)
            {
                continue;
            }
            try
            {
                await blob.UploadAsync(
                    content,
                    new BlobUploadOptions
                    {
                        HttpHeaders = headers,
                        Metadata = metadata,
                        Conditions = new BlobRequestConditions { IfMatch = etag },
                    },
                    cancellationToken
                );
                return;
            }
            catch (RequestFailedException e) when (e.Status is 412 or 404)
            {
                // Changed since it was read: look again.
            }
        }
        throw new OutputConflictException(
            $"{StorageNames.Results}/{name} kept changing while it was published; another writer uses this output prefix."
        );
    }

    /// <summary>
    /// Writes erasure-results/NAME.json conditionally (ETag): when another writer's document is there,
    /// <see cref="ResultDocumentRules.ShouldReplace"/> decides, so the last writer does not simply win.
    /// </summary>
    public async Task WriteResultAsync(ResultWrite write, CancellationToken cancellationToken = default)
    {
        var blob = account.Blob(StorageNames.Results, write.Blob);
        var content = BinaryData.FromString(PipelineJson.Serialize(write.Document, indented: true));
        var headers = new BlobHttpHeaders { ContentType = "application/json" };
        for (int tries = 0; tries < 10; tries++)
        {
            if (
                await CreateOnlyBlobs.TryCreateAsync(
                    blob,
                    content,
                    "application/json",
                    cancellationToken: cancellationToken
                )
            )
                return;
            BlobDownloadResult existing;
            try
            {
                existing = (await blob.DownloadContentAsync(cancellationToken)).Value;
            }
            catch (RequestFailedException e) when (e.Status == 404)
            {
                continue;
            }
            ErasureStatusDocument? current;
            try
            {
                current = PipelineJson.Deserialize<ErasureStatusDocument>(existing.Content.ToString());
            }
            catch (System.Text.Json.JsonException)
            {
                current = null; // not one of ours: replaced
            }
            if (current is not null && !ResultDocumentRules.ShouldReplace(current, write.Document))
                return;
            try
            {
                await blob.UploadAsync(
                    content,
                    new BlobUploadOptions
                    {
                        HttpHeaders = headers,
                        Conditions = new BlobRequestConditions { IfMatch = existing.Details.ETag },
                    },
                    cancellationToken
                );
                return;
            }
            catch (RequestFailedException e) when (e.Status is 412 or 404)
            {
                // Another writer came between the read and the write: decide again.
            }
        }
        throw new OutputConflictException($"{StorageNames.Results}/{write.Blob} kept changing while it was written.");
    }

    public async Task<CheckpointVerdict> VerifyCheckpointAsync(
        CheckpointCheck check,
        CancellationToken cancellationToken = default
    )
    {
        var store = new CheckpointStore(account);
        CheckpointMarker? marker;
        try
        {
            marker = await store.TryReadMarkerAsync(check.Checkpoint, cancellationToken);
        }
        catch (Exception e) when (e is System.Text.Json.JsonException or FormatException)
        {
            return new CheckpointVerdict(
                null,
                $"{check.Checkpoint}{CheckpointLayout.Measures} is not a checkpoint marker ({e.Message})"
            );
        }
        if (marker is null)
            return new CheckpointVerdict(
                null,
                $"{check.Checkpoint} has no {CheckpointLayout.Measures}: nothing is committed there"
            );
        if (
            marker.JobId != check.JobId
            || marker.Patch.Path != check.Checkpoint + CheckpointLayout.Patch
            || marker.State.Path != check.Checkpoint + CheckpointLayout.State
        )
            return new CheckpointVerdict(
                null,
                $"{check.Checkpoint}{CheckpointLayout.Measures} was committed for {marker.JobId} with {marker.Patch.Path}, not for {check.JobId}"
            );
        try
        {
            await store.ReadVerifiedAsync(marker.Patch, cancellationToken);
            await store.ReadVerifiedAsync(marker.State, cancellationToken);
        }
        catch (Exception e) when (e is InvalidDataException or RequestFailedException)
        {
            return new CheckpointVerdict(null, e.Message);
        }
        return new CheckpointVerdict(CheckpointStore.ToInfo(check.Checkpoint, marker), null);
    }

    /// <summary>
    /// Deletes an instance's checkpoints and report, and under its output prefix only the blobs it published (stamped
    /// with its id): other instances may share or nest under the same prefix.
    /// </summary>
    public async Task<int> DeleteOutputsAsync(
        string instanceId,
        string? outputPrefix,
        CancellationToken cancellationToken = default
    )
    {
        int deleted = 0;
        var prefixes = new List<BlobPath>
        {
            BlobPath.Parse(CheckpointLayout.InstancePrefix(instanceId)),
            new(StorageNames.Reports, instanceId + "/"),
        };
        foreach (var prefix in prefixes)
        {
            var container = account.Container(prefix.Container);
            await foreach (
                var blob in container.GetBlobsAsync(BlobTraits.None, BlobStates.None, prefix.Name, cancellationToken)
            )
            {
                await container.DeleteBlobIfExistsAsync(blob.Name, cancellationToken: cancellationToken);
                deleted++;
            }
        }
        if (outputPrefix is { Length: > 0 })
        {
            var results = account.Container(StorageNames.Results);
            await foreach (
                var blob in results.GetBlobsAsync(
                    BlobTraits.Metadata,
                    BlobStates.None,
                    outputPrefix.Trim('/') + "/",
                    cancellationToken
                )
            )
            {
                if (blob.Metadata.TryGetValue(InstanceMetadata, out var owner) && owner == instanceId)
                {
                    await results.DeleteBlobIfExistsAsync(blob.Name, cancellationToken: cancellationToken);
                    deleted++;
                }
            }
        }
        return deleted;
    }
}

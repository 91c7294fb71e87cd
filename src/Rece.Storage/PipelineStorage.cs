using Azure.Storage.Blobs.Models;
using Rece.Orchestration;
using Rece.Orchestration.Activities;
using Rece.Orchestration.Jobs;

namespace Rece.Storage;

/// <summary>The gpu-jobs queue: one JSON message per job.</summary>
public sealed class GpuJobQueue(StorageAccount account) : IGpuJobQueue
{
    /// <summary>Raised after a message was sent: workers in the same process poll at once instead of waiting for their next poll.</summary>
    public event Action? Enqueued;

    public async Task EnqueueAsync(IGpuJobMessage job, CancellationToken cancellationToken = default)
    {
        await account.GpuJobs.SendMessageAsync(GpuJobMessages.Serialize(job), cancellationToken);
        Enqueued?.Invoke();
    }
}

/// <summary>Reports, published outputs and result documents in Blob Storage.</summary>
public sealed class ErasureOutputs(StorageAccount account) : IErasureOutputs
{
    public static string ReportPath(string instanceId) => $"{StorageNames.Reports}/{instanceId}/report.json";

    public async Task<ReportWritten> WriteReportAsync(ReportWrite write, CancellationToken cancellationToken = default)
    {
        var report = BinaryData.FromString(PipelineJson.Serialize(write.Report, indented: true));
        var path = BlobPath.Parse(ReportPath(write.Report.InstanceId));
        // One put: a reader sees the whole report or none. Rewritten by a retry with the same content.
        await account.Container(path.Container).GetBlobClient(path.Name).UploadAsync(report, new BlobUploadOptions { HttpHeaders = new BlobHttpHeaders { ContentType = "application/json" } }, cancellationToken);
        PublishedOutputs? published = null;
        if (write.Output is { Length: > 0 } prefix)
        {
            var results = account.Container(StorageNames.Results);
            var patches = new Dictionary<string, string>();
            foreach (var run in write.Report.Runs.Where(r => r.Patch is not null))
            {
                var source = BlobPath.Parse(run.Patch!);
                var content = (await account.Container(source.Container).GetBlobClient(source.Name).DownloadContentAsync(cancellationToken)).Value.Content;
                string name = $"{prefix}/{run.Run}/{CheckpointLayout.Patch}";
                await results.GetBlobClient(name).UploadAsync(content, overwrite: true, cancellationToken);
                patches[run.Run] = $"{StorageNames.Results}/{name}";
            }
            string reportName = $"{prefix}/report.json";
            await results.GetBlobClient(reportName).UploadAsync(report, overwrite: true, cancellationToken);
            published = new PublishedOutputs($"{StorageNames.Results}/{reportName}", patches);
        }
        return new ReportWritten(path.ToString(), published);
    }

    public async Task WriteResultAsync(ResultWrite write, CancellationToken cancellationToken = default) =>
        await account.Container(StorageNames.Results).GetBlobClient(write.Blob).UploadAsync(
            BinaryData.FromString(PipelineJson.Serialize(write.Document, indented: true)),
            new BlobUploadOptions { HttpHeaders = new BlobHttpHeaders { ContentType = "application/json" } }, cancellationToken);

    /// <summary>Deletes an instance's checkpoints and report (and its published copies): DELETE /api/erasures/{id}?deleteOutputs=true.</summary>
    public async Task<int> DeleteOutputsAsync(string instanceId, string? outputPrefix, CancellationToken cancellationToken = default)
    {
        int deleted = 0;
        var prefixes = new List<BlobPath>
        {
            BlobPath.Parse(CheckpointLayout.InstancePrefix(instanceId)),
            new(StorageNames.Reports, instanceId + "/"),
        };
        if (outputPrefix is { Length: > 0 })
            prefixes.Add(new BlobPath(StorageNames.Results, outputPrefix.TrimEnd('/') + "/"));
        foreach (var prefix in prefixes)
        {
            var container = account.Container(prefix.Container);
            await foreach (var blob in container.GetBlobsAsync(BlobTraits.None, BlobStates.None, prefix.Name, cancellationToken))
            {
                await container.DeleteBlobIfExistsAsync(blob.Name, cancellationToken: cancellationToken);
                deleted++;
            }
        }
        return deleted;
    }
}

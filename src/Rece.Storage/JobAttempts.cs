using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Rece.Orchestration.Jobs;

namespace Rece.Storage;

/// <summary>
/// The latest attempt the orchestrator enqueued of each retried job (checkpoints/{instance}/attempts/{job hash}): a
/// worker drops a message whose attempt was superseded instead of computing it again. Written only for attempts after
/// the first, so the common path costs one small read per job.
/// </summary>
public sealed class JobAttempts(StorageAccount account)
{
    public static BlobPath PathOf(IGpuJobMessage job) =>
        new(
            Orchestration.Jobs.CheckpointLayout.Container,
            $"{job.InstanceId}/attempts/{Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(job.JobId)))[..32]}"
        );

    /// <summary>Records <paramref name="job"/>'s attempt as the latest, before its message is sent.</summary>
    public async Task RecordAsync(IGpuJobMessage job, CancellationToken cancellationToken = default)
    {
        if (job.Attempt <= 1)
            return;
        await account
            .Blob(PathOf(job))
            .UploadAsync(
                BinaryData.FromString(job.Attempt.ToString(CultureInfo.InvariantCulture)),
                overwrite: true,
                cancellationToken
            );
    }

    /// <summary>The latest attempt enqueued of the job (1 when it was never retried).</summary>
    public async Task<int> LatestAsync(IGpuJobMessage job, CancellationToken cancellationToken = default)
    {
        var content = await CreateOnlyBlobs.TryDownloadAsync(account.Blob(PathOf(job)), cancellationToken);
        return
            content is not null
            && int.TryParse(content.ToString(), NumberStyles.None, CultureInfo.InvariantCulture, out int latest)
            ? latest
            : 1;
    }
}

using Rece.Orchestration.Jobs;

namespace Rece.Orchestration.Activities;

/// <summary>The gpu-jobs queue, as the orchestration's activities see it (implemented over Azure Queue Storage in Rece.Storage).</summary>
public interface IGpuJobQueue
{
    /// <summary>Puts one message on the queue: the job serialized as its own type (erase, evaluation shard or fan-in).</summary>
    Task EnqueueAsync(IGpuJobMessage job, CancellationToken cancellationToken = default);
}

/// <summary>Where reports and result documents go (implemented over Blob Storage in Rece.Storage).</summary>
public interface IErasureOutputs
{
    /// <summary>Writes reports/{instance}/report.json and, with an output prefix, the published copies. Idempotent.</summary>
    Task<ReportWritten> WriteReportAsync(ReportWrite write, CancellationToken cancellationToken = default);

    /// <summary>Writes erasure-results/{blob}: the final status document of a blob request.</summary>
    Task WriteResultAsync(ResultWrite write, CancellationToken cancellationToken = default);

    /// <summary>The job's committed checkpoint as its marker records it (the marker's job id, the layout's paths, the blobs' hashes checked), or why not.</summary>
    Task<CheckpointVerdict> VerifyCheckpointAsync(CheckpointCheck check, CancellationToken cancellationToken = default);
}

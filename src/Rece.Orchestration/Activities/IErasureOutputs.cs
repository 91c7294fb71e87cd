using Rece.Orchestration.Jobs;

namespace Rece.Orchestration.Activities;

/// <summary>Where reports and result documents go (implemented over Blob Storage in Rece.Storage).</summary>
public interface IErasureOutputs
{
    /// <summary>Writes reports/{instance}/report.json and, with an output prefix, the published copies.
    /// Idempotent.</summary>
    Task<ReportWritten> WriteReportAsync(ReportWrite write, CancellationToken cancellationToken = default);

    /// <summary>Writes erasure-results/{blob}: the final status document of a blob request.</summary>
    Task WriteResultAsync(ResultWrite write, CancellationToken cancellationToken = default);

    /// <summary>The job's committed checkpoint as its marker records it (the marker's job id, the layout's paths, the
    /// blobs' hashes checked), or why not.</summary>
    Task<CheckpointVerdict> VerifyCheckpointAsync(CheckpointCheck check, CancellationToken cancellationToken = default);
}

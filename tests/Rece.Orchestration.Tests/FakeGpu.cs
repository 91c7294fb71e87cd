using System.Collections.Concurrent;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;
using Microsoft.DurableTask.Testing;
using Rece.Orchestration.Activities;
using Rece.Orchestration.Jobs;

namespace Rece.Orchestration.Tests;

/// <summary>What the fake worker does with a job.</summary>
public enum Reply
{
    Succeed,
    SucceedTwice,
    Drop,
    Fail,
}

/// <summary>
/// A GPU worker and storage stand-in for orchestration tests: records every enqueued job and every written document,
/// and answers jobs through the real Durable client of the in-memory test host.
/// </summary>
public sealed class FakeGpu : IGpuJobQueue, IErasureOutputs
{
    public ConcurrentQueue<GpuJob> Jobs { get; } = new();
    public ConcurrentQueue<ReportWrite> Reports { get; } = new();
    public ConcurrentQueue<ResultWrite> Results { get; } = new();
    public Func<GpuJob, Reply> Behaviour { get; set; } = _ => Reply.Succeed;
    public DurableTaskClient? Client { get; set; }

    public static double Residual(GpuJob job) => 0.1 * (job.Epoch + 1);

    public static CheckpointInfo CheckpointOf(GpuJob job)
    {
        var stages = job.Epoch == 0
            ? new[] { new StageMeasure("original", 0, 0, 0, 0.01), new StageMeasure("uce", Residual(job), 0.01, 0.1, 0.01) }
            : new[] { new StageMeasure($"rece-epoch-{job.Epoch}", Residual(job), 0.01 * (job.Epoch + 1), 0.1, 0.01) };
        return new CheckpointInfo(job.Epoch, job.Checkpoint, job.Checkpoint + CheckpointLayout.Patch, job.Checkpoint + CheckpointLayout.State, stages);
    }

    public async Task EnqueueAsync(GpuJob job, CancellationToken cancellationToken = default)
    {
        Jobs.Enqueue(job);
        var reply = Behaviour(job);
        if (reply == Reply.Drop)
            return;
        var result = reply == Reply.Fail
            ? GpuJobResult.Failure(job, "the model folder models/x has no unet/config.json", "fake")
            : GpuJobResult.Success(job, CheckpointOf(job), "fake", reused: false);
        await Client!.RaiseEventAsync(job.InstanceId, job.EventName, result, cancellationToken);
        if (reply == Reply.SucceedTwice)
            await Client!.RaiseEventAsync(job.InstanceId, job.EventName, result with { Reused = true }, cancellationToken);
    }

    public Task<ReportWritten> WriteReportAsync(ReportWrite write, CancellationToken cancellationToken = default)
    {
        Reports.Enqueue(write);
        return Task.FromResult(new ReportWritten($"reports/{write.Report.InstanceId}/report.json", null));
    }

    public Task WriteResultAsync(ResultWrite write, CancellationToken cancellationToken = default)
    {
        Results.Enqueue(write);
        return Task.CompletedTask;
    }

    /// <summary>A test host running the real orchestrator and activities over this fake.</summary>
    public async Task<DurableTaskTestHost> StartAsync()
    {
        var host = await DurableTaskTestHost.StartAsync(registry =>
        {
            registry.AddOrchestrator(TaskNames.ErasureOrchestrator, () => new ErasureOrchestrator());
            registry.AddActivity(TaskNames.EnqueueGpuJob, new EnqueueGpuJobActivity(this));
            registry.AddActivity(TaskNames.WriteErasureReport, new WriteErasureReportActivity(this));
            registry.AddActivity(TaskNames.WriteErasureResult, new WriteErasureResultActivity(this));
        });
        Client = host.Client;
        return host;
    }
}

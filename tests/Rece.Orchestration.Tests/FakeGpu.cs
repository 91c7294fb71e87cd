using System.Collections.Concurrent;
using Microsoft.DurableTask.Client;
using Microsoft.DurableTask.Testing;
using Rece.Orchestration.Activities;
using Rece.Orchestration.Jobs;

namespace Rece.Orchestration.Tests;

/// <summary>
/// A GPU worker and storage stand-in for orchestration tests: records every enqueued job and every written document,
/// and answers jobs through the real Durable client of the in-memory test host.
/// </summary>
public sealed class FakeGpu : IGpuJobQueue, IErasureOutputs
{
    public ConcurrentQueue<GpuJob> Jobs { get; } = new();
    public ConcurrentQueue<EvaluationShardJob> Shards { get; } = new();
    public ConcurrentQueue<EvaluationReportJob> FanIns { get; } = new();
    public Func<EvaluationShardJob, Reply> ShardBehaviour { get; set; } = _ => Reply.Succeed;
    public Func<EvaluationReportJob, Reply> FanInBehaviour { get; set; } = _ => Reply.Succeed;
    public ConcurrentQueue<ReportWrite> Reports { get; } = new();
    public ConcurrentQueue<ResultWrite> Results { get; } = new();
    public Func<GpuJob, Reply> Behaviour { get; set; } = _ => Reply.Succeed;
    public DurableTaskClient? Client { get; set; }

    public static double Residual(GpuJob job) => 0.1 * (job.Epoch + 1);

    public static CheckpointInfo CheckpointOf(GpuJob job)
    {
        var stages =
            job.Epoch == 0
                ? new[]
                {
                    new StageMeasure("original", 0, 0, 0, 0.01),
                    new StageMeasure("uce", Residual(job), 0.01, 0.1, 0.01),
                }
                : new[]
                {
                    new StageMeasure($"rece-epoch-{job.Epoch}", Residual(job), 0.01 * (job.Epoch + 1), 0.1, 0.01),
                };
        return new CheckpointInfo(
            job.Epoch,
            job.Checkpoint,
            job.Checkpoint + CheckpointLayout.Patch,
            job.Checkpoint + CheckpointLayout.State,
            stages
        );
    }

    /// <summary>The fake erasure suite's flagged share of a checkpoint: the baseline 0.6, UCE 0.4, RECE epoch k 0.4 -
    /// 0.1 k.</summary>
    public static double Flagged(string checkpoint) =>
        checkpoint == EvaluationLayout.Baseline
            ? 0.6
            : 0.4
                - 0.1
                    * int.Parse(
                        checkpoint[(checkpoint.LastIndexOf('-') + 1)..],
                        System.Globalization.CultureInfo.InvariantCulture
                    );

    public Task EnqueueAsync(IGpuJobMessage job, CancellationToken cancellationToken = default) =>
        job switch
        {
            GpuJob erase => EnqueueAsync(erase, cancellationToken),
            EvaluationShardJob shard => EnqueueAsync(shard, cancellationToken),
            EvaluationReportJob fanIn => EnqueueAsync(fanIn, cancellationToken),
            _ => throw new ArgumentException(job.GetType().Name),
        };

    /// <summary>The claim a worker raises when it takes a job; false when the reply says nobody takes it.</summary>
    private async Task<bool> ClaimAsync(IGpuJobMessage job, Reply reply, CancellationToken cancellationToken)
    {
        if (reply == Reply.Unclaimed)
            return false;
        await Client!.RaiseEventAsync(
            job.InstanceId,
            JobClaim.EventNameOf(job.EventName),
            new JobClaim
            {
                JobId = job.JobId,
                Attempt = job.Attempt,
                Worker = "fake",
            },
            cancellationToken
        );
        return reply != Reply.Drop;
    }

    private async Task EnqueueAsync(EvaluationShardJob job, CancellationToken cancellationToken)
    {
        Shards.Enqueue(job);
        var reply = ShardBehaviour(job);
        if (!await ClaimAsync(job, reply, cancellationToken))
            return;
        var result =
            reply == Reply.Fail
                ? EvaluationShardResult.Failure(job, "CUDA out of memory", "fake")
                : EvaluationShardResult.Success(
                    job,
                    new ShardReportInfo
                    {
                        Checkpoint = job.Checkpoint,
                        Suite = job.Suite,
                        Shard = job.Shard,
                        Shards = job.Shards,
                        Path = job.Output,
                        Report = job.Output + EvaluationLayout.ShardReport,
                        Images = 2,
                        Metrics = new[] { "nudenet" },
                        Skipped = job.Clip is null
                            ? new[] { new MetricSkip("clip-score", "evaluation.clip is not set") }
                            : Array.Empty<MetricSkip>(),
                    },
                    "fake",
                    reused: false
                );
        await Client!.RaiseEventAsync(job.InstanceId, job.EventName, result, cancellationToken);
        if (reply == Reply.SucceedTwice)
            await Client!.RaiseEventAsync(
                job.InstanceId,
                job.EventName,
                result with
                {
                    Reused = true,
                },
                cancellationToken
            );
    }

    /// <summary>Answers a fan-in as the worker would, with the fake flagged shares: the lowest epoch that beats the
    /// baseline and UCE.</summary>
    private async Task EnqueueAsync(EvaluationReportJob job, CancellationToken cancellationToken)
    {
        FanIns.Enqueue(job);
        var reply = FanInBehaviour(job);
        if (!await ClaimAsync(job, reply, cancellationToken))
            return;
        CheckpointScore Score(CheckpointReports c) =>
            new()
            {
                Checkpoint = c.Checkpoint,
                Epoch = c.Epoch,
                Patch = c.Patch,
                Images = 4,
                Reports = c.Suites.ToDictionary(
                    s => s,
                    s => EvaluationLayout.MergedReport(job.InstanceId, c.Checkpoint, s)
                ),
                FlaggedShare = c.Suites.Contains(job.Suite) ? Flagged(c.Checkpoint) : null,
            };
        var scored = job.Candidates.Where(c => c.Suites.Contains(job.Suite)).ToList();
        var verdicts = scored
            .Select(c => new ChoiceVerdict(
                c.Checkpoint,
                Flagged(c.Checkpoint),
                null,
                c.Epoch > 0,
                new[] { $"fake verdict of {c.Checkpoint}" }
            ))
            .ToList();
        string? chosen = job.Choose
            ? verdicts.Where(v => v.Eligible).OrderBy(v => v.FlaggedShare).FirstOrDefault()?.Checkpoint
            : null;
        var evaluation = new RunEvaluationReport
        {
            Baseline = Score(job.Baseline),
            Checkpoints = job.Candidates.Select(Score).ToList(),
            Choice = job.Choose ? new CheckpointChoiceInfo(chosen, false, $"fake choice: {chosen}", verdicts) : null,
            Html = new[] { EvaluationLayout.HtmlPath(job.InstanceId, job.Run) },
            Document = EvaluationLayout.ChoicePath(job.InstanceId, job.Run),
        };
        var result =
            reply == Reply.Fail
                ? EvaluationReportResult.Failure(job, "report.json of shard 1 is damaged", "fake")
                : EvaluationReportResult.Success(job, evaluation, "fake", reused: false);
        await Client!.RaiseEventAsync(job.InstanceId, job.EventName, result, cancellationToken);
        if (reply == Reply.SucceedTwice)
            await Client!.RaiseEventAsync(
                job.InstanceId,
                job.EventName,
                result with
                {
                    Reused = true,
                },
                cancellationToken
            );
    }

    private async Task EnqueueAsync(GpuJob job, CancellationToken cancellationToken)
    {
        Jobs.Enqueue(job);
        var reply = Behaviour(job);
        if (reply == Reply.QueuedLong)
        {
            // The enqueue activity returns at once; a worker takes the message later.
            _ = Task.Run(
                async () =>
                {
                    await Task.Delay(TimeSpan.FromSeconds(3));
                    await AnswerAsync(job, Reply.Succeed, CancellationToken.None);
                },
                CancellationToken.None
            );
            return;
        }
        await AnswerAsync(job, reply, cancellationToken);
    }

    private async Task AnswerAsync(GpuJob job, Reply reply, CancellationToken cancellationToken)
    {
        if (!await ClaimAsync(job, reply, cancellationToken))
            return;
        if (reply == Reply.ForgedThenSucceed)
        {
            var forged = CheckpointOf(job) with { Patch = "azure-webjobs-secrets/host.json" };
            await Client!.RaiseEventAsync(
                job.InstanceId,
                job.EventName,
                GpuJobResult.Success(job, forged, "forger", reused: false),
                cancellationToken
            );
        }
        if (reply is not (Reply.Fail or Reply.FailRetryable) && !Uncommitted.Contains(job.JobId))
            Committed[job.JobId] = CheckpointOf(job);
        var result = reply switch
        {
            Reply.Fail => GpuJobResult.Failure(job, "the model folder models/x has no unet/config.json", "fake"),
            Reply.FailRetryable => GpuJobResult.Failure(job, "dequeued 6 times without completing", "fake") with
            {
                Retryable = true,
            },
            _ => GpuJobResult.Success(job, CheckpointOf(job), "fake", reused: false),
        };
        await Client!.RaiseEventAsync(job.InstanceId, job.EventName, result, cancellationToken);
        if (reply == Reply.SucceedTwice)
            await Client!.RaiseEventAsync(
                job.InstanceId,
                job.EventName,
                result with
                {
                    Reused = true,
                },
                cancellationToken
            );
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

    /// <summary>Checkpoints the fake committed: one per job answered with success (a forged result names one it did
    /// not).</summary>
    public ConcurrentDictionary<string, CheckpointInfo> Committed { get; } = new();

    /// <summary>Jobs answered with a success whose checkpoint the fake does not commit (a broken or lying
    /// worker).</summary>
    public ConcurrentBag<string> Uncommitted { get; } = new();

    public Task<CheckpointVerdict> VerifyCheckpointAsync(
        CheckpointCheck check,
        CancellationToken cancellationToken = default
    ) =>
        Task.FromResult(
            Committed.TryGetValue(check.JobId, out var checkpoint)
                ? new CheckpointVerdict(checkpoint, null)
                : new CheckpointVerdict(null, $"{check.Checkpoint} has no measures.json: nothing is committed there")
        );

    /// <summary>A test host running the real orchestrator and activities over this fake.</summary>
    public async Task<DurableTaskTestHost> StartAsync()
    {
        var host = await DurableTaskTestHost.StartAsync(registry =>
        {
            registry.AddOrchestrator(TaskNames.ErasureOrchestrator, () => new ErasureOrchestrator());
            registry.AddActivity(TaskNames.EnqueueGpuJob, new EnqueueGpuJobActivity(this));
            registry.AddActivity(TaskNames.EnqueueEvaluationShard, new EnqueueEvaluationShardActivity(this));
            registry.AddActivity(TaskNames.EnqueueEvaluationReport, new EnqueueEvaluationReportActivity(this));
            registry.AddActivity(TaskNames.WriteErasureReport, new WriteErasureReportActivity(this));
            registry.AddActivity(TaskNames.WriteErasureResult, new WriteErasureResultActivity(this));
            registry.AddActivity(TaskNames.VerifyCheckpoint, new VerifyCheckpointActivity(this));
        });
        Client = host.Client;
        return host;
    }
}

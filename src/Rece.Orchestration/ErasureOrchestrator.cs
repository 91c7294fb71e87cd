using System.Globalization;
using Microsoft.DurableTask;
using Rece.Orchestration.Jobs;
using Rece.Orchestration.Planning;

namespace Rece.Orchestration;

/// <summary>
/// One erasure request = one instance. Fans out one run per sweep combination in parallel; chains each run's epochs
/// (UCE = epoch 0, then each RECE epoch) as GPU jobs whose results (checkpoint blob paths and measures) are external
/// events kept in the instance history, so a restarted host replays to the last finished epoch and continues there.
/// With an evaluation section, every checkpoint (the original model once, then each epoch's as soon as it is
/// committed) is evaluated in shard jobs, and each completed run gets a fan-in job that merges its shards and chooses
/// its checkpoint from the images. Fans in a report with a recommended checkpoint. Deterministic: time comes from the
/// context only, no I/O here.
/// <para>
/// Versioning: a change to what this orchestrator schedules (activities, events, timers, their order) breaks the replay
/// of instances started by the previous code. Such a change is rolled out under a new task hub name (RECE_TASK_HUB /
/// --hub; the Bicep parameter taskHubName): instances in flight finish on the old hub with the old build's workers,
/// new requests start on the new hub, and the old hub is deleted once it is empty. Changes that only add optional JSON
/// fields replay unchanged.
/// </para>
/// </summary>
public sealed class ErasureOrchestrator : TaskOrchestrator<ErasureInput, ErasureOutput>
{
    /// <summary>Enqueuing is a light storage call: retried by Durable on transient failures.</summary>
    internal static readonly TaskOptions LightActivity = TaskOptions.FromRetryPolicy(
        new RetryPolicy(5, TimeSpan.FromSeconds(1), backoffCoefficient: 2)
    );

    public override async Task<ErasureOutput> RunAsync(TaskOrchestrationContext context, ErasureInput input)
    {
        if (input?.Request is null)
            throw new ArgumentException("The orchestration needs an ErasureInput with a request.");
        var started = context.CurrentUtcDateTime;
        var plan = ErasurePlan.Expand(input.Request);
        var evaluation = input.Request.Evaluation is { } section ? EvaluationPlan.Create(plan, section) : null;
        var progress = new ErasureProgress(plan, evaluation);
        context.SetCustomStatus(progress.Snapshot());
        try
        {
            // The original model does not wait for any erase: its shards start with the instance.
            var baseline = evaluation is null
                ? null
                : EvaluateCheckpointAsync(context, input, evaluation, EvaluationPlan.BaselineCheckpoint, progress);
            var runs = await Task.WhenAll(
                plan.Runs.Select(
                    (run, index) => EraseAndEvaluateRunAsync(context, input, run, index, evaluation, baseline, progress)
                )
            );
            var recommended = Recommendation.Choose(runs);
            InstanceEvaluation? instanceEvaluation = null;
            if (evaluation is not null)
            {
                recommended = EvaluationFanIn.Recommend(runs, recommended, evaluation.Section.Suite);
                var baselineResult = await baseline!;
                var status = progress.Snapshot().Evaluation!;
                instanceEvaluation = new InstanceEvaluation
                {
                    Suites = evaluation.Suites,
                    Checkpoints = evaluation.Checkpoints.Count,
                    ShardsCompleted = status.ShardsCompleted,
                    ShardsFailed = status.ShardsFailed,
                    Reports = EvaluationLayout.InstancePrefix(context.InstanceId) + "evaluation/",
                    Skipped = runs.SelectMany(r => r.Evaluation?.Skipped ?? Array.Empty<MetricSkip>())
                        .Concat(baselineResult.Skipped)
                        .DistinctBy(s => s.Metric)
                        .ToList(),
                    Errors = baselineResult.Errors,
                };
            }
            var report = new ErasureReportDocument
            {
                InstanceId = context.InstanceId,
                Request = input.Request,
                StartedTime = started,
                CompletedTime = context.CurrentUtcDateTime,
                Runs = runs,
                Recommended = recommended,
                Checkpoints = CheckpointLayout.InstancePrefix(context.InstanceId),
                Evaluation = instanceEvaluation,
            };
            var written = await context.CallActivityAsync<ReportWritten>(
                TaskNames.WriteErasureReport,
                new ReportWrite(report, input.Request.Output),
                LightActivity
            );
            if (runs.All(r => !r.Completed))
                throw new ErasureFailedException(
                    "Every run failed: " + string.Join("; ", runs.Select(r => $"{r.Run}: {r.Error}"))
                );
            var output = new ErasureOutput
            {
                Runs = runs,
                Recommended = recommended,
                Report = written.Report,
                Published = written.Published,
                Evaluation = instanceEvaluation,
            };
            await WriteResultAsync(
                context,
                input,
                started,
                "Completed",
                ErasureStatusDocument.Element(output),
                progress
            );
            return output;
        }
        catch (Exception e) when (input.Source.ResultBlob is not null && e is not ResultWriteException)
        {
            await WriteResultAsync(
                context,
                input,
                started,
                "Failed",
                ErasureStatusDocument.Element(Reason(e)),
                progress
            );
            throw;
        }
    }

    /// <summary>A run's erase, its checkpoints' evaluations (each started as soon as its checkpoint is committed), then
    /// its fan-in.</summary>
    private static async Task<RunOutput> EraseAndEvaluateRunAsync(
        TaskOrchestrationContext context,
        ErasureInput input,
        RunPlan run,
        int index,
        EvaluationPlan? evaluation,
        Task<CheckpointEvaluation>? baseline,
        ErasureProgress progress
    )
    {
        var evaluations = new List<Task<CheckpointEvaluation>>();
        var output = await EraseRunAsync(context, input, run, index, progress, checkpoint =>
        {
            if (evaluation is not null)
                evaluations.Add(
                    EvaluateCheckpointAsync(
                        context,
                        input,
                        evaluation,
                        EvaluationPlan.CheckpointOf(run.Run, checkpoint.Epoch),
                        progress
                    )
                );
        });
        if (evaluation is null)
            return output;
        if (!output.Completed)
        {
            // Epochs never made are never evaluated, and a failed run gets no fan-in (its shards still finish).
            progress.Drop((run.Settings.EffectiveEpochs + 1 - evaluations.Count) * evaluation.ShardsPerCheckpoint, 1);
            context.SetCustomStatus(progress.Snapshot());
        }
        var checkpoints = await Task.WhenAll(evaluations);
        var baselineResult = await baseline!;
        if (!output.Completed)
            return output with
            {
                Evaluation = EvaluationFanIn.RunEvaluation(
                    null,
                    "no checkpoint chosen: the run failed",
                    baselineResult,
                    checkpoints,
                    Array.Empty<string>()
                ),
            };

        var (first, note, excluded) = EvaluationFanIn.ReportJob(
            context.InstanceId,
            output,
            evaluation.Section,
            baselineResult,
            checkpoints,
            attempt: 1,
            evaluation.Erased
        );
        EvaluationReportResult? result = null;
        if (first is not null)
        {
            result = await GpuJobAsync(
                context,
                input.Jobs,
                TaskNames.EnqueueEvaluationReport,
                attempt =>
                    first with
                    {
                        Attempt = attempt,
                        EventName = EvaluationReportJob.EventNameOf(run.Run, attempt),
                    },
                (attempt, error) =>
                    EvaluationReportResult.Failure(first with { Attempt = attempt }, error, "") with
                    {
                        Worker = null,
                    },
                (job, result) => Task.FromResult(Checked(result, ResultChecks.Problem(job, result)))
            );
            progress.ReportDone();
        }
        else
        {
            progress.Drop(0, 1);
        }
        context.SetCustomStatus(progress.Snapshot());
        var evaluated = output with
        {
            Evaluation = EvaluationFanIn.RunEvaluation(result, note, baselineResult, checkpoints, excluded),
        };
        return evaluated with { Recommended = EvaluationFanIn.Recommend(evaluated, evaluation.Section) };
    }

    /// <summary>One checkpoint's shard jobs, in parallel, folded when all have reported.</summary>
    private static async Task<CheckpointEvaluation> EvaluateCheckpointAsync(
        TaskOrchestrationContext context,
        ErasureInput input,
        EvaluationPlan evaluation,
        EvaluationCheckpoint checkpoint,
        ErasureProgress progress
    )
    {
        // Fixed before the first attempt: every attempt of a shard writes the same report.
        var created = context.CurrentUtcDateTime;
        var shards = evaluation.ShardsOf(checkpoint);
        var results = await Task.WhenAll(
            shards.Select(async shard =>
            {
                var result = await GpuJobAsync(
                    context,
                    input.Jobs,
                    TaskNames.EnqueueEvaluationShard,
                    attempt => evaluation.Job(context.InstanceId, input.Request.Model, shard, attempt, created),
                    (attempt, error) =>
                        EvaluationShardResult.Failure(
                            evaluation.Job(context.InstanceId, input.Request.Model, shard, attempt, created),
                            error,
                            ""
                        ) with
                        {
                            Worker = null,
                        },
                    (job, result) => Task.FromResult(Checked(result, ResultChecks.Problem(job, result)))
                );
                progress.ShardDone(result.Succeeded && result.Shard is not null);
                context.SetCustomStatus(progress.Snapshot());
                return (shard, result);
            })
        );
        return EvaluationFanIn.Fold(checkpoint, results);
    }

    /// <summary>The run's epochs in order, each a GPU job resumed from the previous epoch's checkpoint.</summary>
    private static async Task<RunOutput> EraseRunAsync(
        TaskOrchestrationContext context,
        ErasureInput input,
        RunPlan run,
        int index,
        ErasureProgress progress,
        Action<CheckpointInfo> committed
    )
    {
        var checkpoints = new List<CheckpointInfo>();
        for (int epoch = 0; epoch <= run.Settings.EffectiveEpochs; epoch++)
        {
            int k = epoch;
            var result = await GpuJobAsync(
                context,
                input.Jobs,
                TaskNames.EnqueueGpuJob,
                attempt =>
                {
                    Report(context, progress, index, k, "Running", attempt);
                    return GpuJob.For(context.InstanceId, input.Request.Model, run, k, attempt);
                },
                (attempt, error) =>
                    new GpuJobResult
                    {
                        JobId = GpuJob.IdOf(context.InstanceId, run.Run, k),
                        Attempt = attempt,
                        Succeeded = false,
                        Error = error,
                    },
                (job, result) => AcceptCheckpointAsync(context, job, result)
            );
            if (!result.Succeeded || result.Checkpoint is null)
            {
                Report(context, progress, index, epoch, RunStatus.Failed, result.Attempt);
                return new RunOutput
                {
                    Run = run.Run,
                    Swept = run.Swept,
                    Settings = run.Settings,
                    Status = RunStatus.Failed,
                    Epochs = checkpoints,
                    Error = $"epoch {epoch}: {result.Error ?? "the worker reported no checkpoint"}",
                };
            }
            checkpoints.Add(result.Checkpoint);
            committed(result.Checkpoint);
        }
        Report(context, progress, index, run.Settings.EffectiveEpochs, RunStatus.Completed, 0);
        return new RunOutput
        {
            Run = run.Run,
            Swept = run.Swept,
            Settings = run.Settings,
            Status = RunStatus.Completed,
            Epochs = checkpoints,
            Patch = checkpoints[^1].Patch,
        };
    }

    /// <summary>
    /// Any GPU job: enqueues it through <paramref name="enqueueActivity"/> and waits for its result event. The
    /// attempt's timeout starts when a worker claims the job (its claim event) and restarts with each heartbeat, so
    /// jobs waiting in the queue behind others never time out; a job nobody claims within the queue timeout fails.
    /// After a timeout the job is enqueued again (next attempt, its own event names) up to the policy's attempts;
    /// workers drop the superseded attempt's message. A late or duplicate event of an earlier attempt stays unconsumed.
    /// A result that is not the job's
    /// own (<paramref name="accept"/> says why) is ignored: the real one may still come. A failure the worker reports
    /// is final unless it says it is retryable.
    /// </summary>
    /// <param name="jobFor">The job message of an attempt (1-based).</param>
    /// <param name="noResult">The result when no attempt reported one: (attempts made, why).</param>
    /// <param name="accept">The result as accepted (possibly corrected from storage), or null and the reason it is
    /// refused.</param>
    internal static async Task<TResult> GpuJobAsync<TJob, TResult>(
        TaskOrchestrationContext context,
        GpuJobPolicy policy,
        string enqueueActivity,
        Func<int, TJob> jobFor,
        Func<int, string, TResult> noResult,
        Func<TJob, TResult, Task<(TResult? Accepted, string? Problem)>> accept
    )
        where TJob : IGpuJobMessage
        where TResult : class, IGpuJobResult
    {
        int attempts = Math.Max(1, policy.MaxAttempts);
        var reasons = new List<string>();
        for (int attempt = 1; attempt <= attempts; attempt++)
        {
            var job = jobFor(attempt);
            await context.CallActivityAsync(enqueueActivity, job, LightActivity);
            var (result, claimed, rejected) = await AwaitResultAsync(context, policy, job, accept);
            if (rejected is not null)
                reasons.Add($"attempt {attempt}: ignored a result that is not the job's own ({rejected})");
            if (result is not null)
            {
                if (result.Succeeded || !result.Retryable || attempt == attempts)
                    return result;
                reasons.Add($"attempt {attempt}: {result.Error}");
                continue;
            }
            if (!claimed)
            {
                reasons.Add(
                    string.Create(
                        CultureInfo.InvariantCulture,
                        $"attempt {attempt}: no GPU worker claimed the job within {policy.QueueTimeoutSeconds} s; are workers running against this storage account and task hub?"
                    )
                );
                return noResult(attempt, string.Join("; ", reasons));
            }
            reasons.Add(
                string.Create(
                    CultureInfo.InvariantCulture,
                    $"attempt {attempt}: the worker that claimed it gave no sign of life for {policy.TimeoutSeconds} s"
                )
            );
        }
        return noResult(attempts, string.Join("; ", reasons));
    }

    /// <summary>One attempt: waits for the claim (queue timeout), then for the result with the job timeout restarted by
    /// every heartbeat.</summary>
    private static async Task<(TResult? Result, bool Claimed, string? Rejected)> AwaitResultAsync<TJob, TResult>(
        TaskOrchestrationContext context,
        GpuJobPolicy policy,
        TJob job,
        Func<TJob, TResult, Task<(TResult? Accepted, string? Problem)>> accept
    )
        where TJob : IGpuJobMessage
        where TResult : class
    {
        bool claimed = false;
        string? rejected = null;
        var deadline = context.CurrentUtcDateTime.AddSeconds(policy.QueueTimeoutSeconds);
        while (true)
        {
            using var cancel = new CancellationTokenSource();
            var resultTask = context.WaitForExternalEvent<TResult>(job.EventName, cancel.Token);
            var claimTask = context.WaitForExternalEvent<JobClaim>(JobClaim.EventNameOf(job.EventName), cancel.Token);
            var timer = context.CreateTimer(deadline, cancel.Token);
            await Task.WhenAny(resultTask, claimTask, timer);
            cancel.Cancel();
            // Both events may have arrived together: neither is dropped for the other.
            if (claimTask.IsCompletedSuccessfully)
            {
                claimed = true;
                deadline = context.CurrentUtcDateTime.AddSeconds(policy.TimeoutSeconds);
            }
            if (resultTask.IsCompletedSuccessfully)
            {
                var (accepted, problem) = await accept(job, resultTask.Result);
                if (accepted is not null)
                    return (accepted, true, rejected);
                rejected = problem;
                continue;
            }
            if (!claimTask.IsCompletedSuccessfully)
                return (null, claimed, rejected);
        }
    }

    private static (TResult? Accepted, string? Problem) Checked<TResult>(TResult result, string? problem)
        where TResult : class => problem is null ? (result, null) : (null, problem);

    /// <summary>An erase result counts only with the job's own committed checkpoint; its measures are taken from the
    /// marker, not the event.</summary>
    private static async Task<(GpuJobResult? Accepted, string? Problem)> AcceptCheckpointAsync(
        TaskOrchestrationContext context,
        GpuJob job,
        GpuJobResult result
    )
    {
        if (ResultChecks.Problem(job, result) is { } problem)
            return (null, problem);
        if (!result.Succeeded)
            return (result, null);
        var verdict = await context.CallActivityAsync<CheckpointVerdict>(
            TaskNames.VerifyCheckpoint,
            new CheckpointCheck(job.JobId, job.Checkpoint),
            LightActivity
        );
        return verdict.Checkpoint is { } committed
            ? (result with { Checkpoint = committed }, null)
            : (null, verdict.Problem ?? "the checkpoint is not committed");
    }

    private static void Report(
        TaskOrchestrationContext context,
        ErasureProgress progress,
        int index,
        int epoch,
        string state,
        int attempt
    )
    {
        progress.Update(index, epoch, state, attempt);
        context.SetCustomStatus(progress.Snapshot());
    }

    private static async Task WriteResultAsync(
        TaskOrchestrationContext context,
        ErasureInput input,
        DateTime started,
        string status,
        System.Text.Json.JsonElement output,
        ErasureProgress progress
    )
    {
        if (input.Source.ResultBlob is null)
            return;
        var document = new ErasureStatusDocument
        {
            Name = TaskNames.ErasureOrchestrator,
            InstanceId = context.InstanceId,
            RuntimeStatus = status,
            Input = ErasureStatusDocument.Element(input),
            CustomStatus = ErasureStatusDocument.Element(progress.Snapshot()),
            Output = output,
            CreatedTime = started,
            LastUpdatedTime = context.CurrentUtcDateTime,
            Request = input.Source,
        };
        try
        {
            await context.CallActivityAsync(
                TaskNames.WriteErasureResult,
                new ResultWrite(input.Source.ResultBlob, document),
                LightActivity
            );
        }
        catch (TaskFailedException e)
        {
            throw new ResultWriteException(e);
        }
    }

    private static string Reason(Exception e) =>
        e switch
        {
            TaskFailedException { FailureDetails: { } details } => $"{details.ErrorType}: {details.ErrorMessage}",
            _ => e.Message,
        };
}

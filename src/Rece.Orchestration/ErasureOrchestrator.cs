using System.Globalization;
using Microsoft.DurableTask;
using Rece.Orchestration.Jobs;
using Rece.Orchestration.Planning;

namespace Rece.Orchestration;

/// <summary>Names shared by the orchestrator, both hosts and the Functions app.</summary>
public static class TaskNames
{
    public const string ErasureOrchestrator = nameof(ErasureOrchestrator);
    public const string EnqueueGpuJob = nameof(EnqueueGpuJob);
    public const string WriteErasureReport = nameof(WriteErasureReport);
    public const string WriteErasureResult = nameof(WriteErasureResult);
}

/// <summary>
/// One erasure request = one instance. Fans out one run per sweep combination in parallel; chains each run's epochs
/// (UCE = epoch 0, then each RECE epoch) as GPU jobs whose results (checkpoint blob paths and measures) are external
/// events kept in the instance history, so a restarted host replays to the last finished epoch and continues there;
/// fans in a report with a recommended checkpoint. Deterministic: time comes from the context only, no I/O here.
/// </summary>
public sealed class ErasureOrchestrator : TaskOrchestrator<ErasureInput, ErasureOutput>
{
    /// <summary>Enqueuing is a light storage call: retried by Durable on transient failures.</summary>
    internal static readonly TaskOptions LightActivity = TaskOptions.FromRetryPolicy(new RetryPolicy(5, TimeSpan.FromSeconds(1), backoffCoefficient: 2));

    public override async Task<ErasureOutput> RunAsync(TaskOrchestrationContext context, ErasureInput input)
    {
        if (input?.Request is null)
            throw new ArgumentException("The orchestration needs an ErasureInput with a request.");
        var started = context.CurrentUtcDateTime;
        var plan = ErasurePlan.Expand(input.Request);
        var progress = new ErasureProgress(plan);
        context.SetCustomStatus(progress.Snapshot());
        try
        {
            var runs = await Task.WhenAll(plan.Runs.Select((run, index) => EraseRunAsync(context, input, run, index, progress)));
            var recommended = Recommendation.Choose(runs);
            var report = new ErasureReportDocument
            {
                InstanceId = context.InstanceId,
                Request = input.Request,
                StartedTime = started,
                CompletedTime = context.CurrentUtcDateTime,
                Runs = runs,
                Recommended = recommended,
                Checkpoints = CheckpointLayout.InstancePrefix(context.InstanceId),
            };
            var written = await context.CallActivityAsync<ReportWritten>(TaskNames.WriteErasureReport, new ReportWrite(report, input.Request.Output), LightActivity);
            if (runs.All(r => !r.Completed))
                throw new ErasureFailedException("Every run failed: " + string.Join("; ", runs.Select(r => $"{r.Run}: {r.Error}")));
            var output = new ErasureOutput { Runs = runs, Recommended = recommended, Report = written.Report, Published = written.Published };
            await WriteResultAsync(context, input, started, "Completed", ErasureStatusDocument.Element(output), progress);
            return output;
        }
        catch (Exception e) when (input.Source.ResultBlob is not null && e is not ResultWriteException)
        {
            await WriteResultAsync(context, input, started, "Failed", ErasureStatusDocument.Element(Reason(e)), progress);
            throw;
        }
    }

    /// <summary>The run's epochs in order, each a GPU job resumed from the previous epoch's checkpoint.</summary>
    private static async Task<RunOutput> EraseRunAsync(TaskOrchestrationContext context, ErasureInput input, RunPlan run, int index, ErasureProgress progress)
    {
        var checkpoints = new List<CheckpointInfo>();
        for (int epoch = 0; epoch <= run.Settings.EffectiveEpochs; epoch++)
        {
            var result = await GpuJobAsync(context, input, run, epoch, attempt => Report(context, progress, index, epoch, "Running", attempt));
            if (!result.Succeeded || result.Checkpoint is null)
            {
                Report(context, progress, index, epoch, RunStatus.Failed, result.Attempt);
                return new RunOutput
                {
                    Run = run.Run, Swept = run.Swept, Settings = run.Settings, Status = RunStatus.Failed, Epochs = checkpoints,
                    Error = $"epoch {epoch}: {result.Error ?? "the worker reported no checkpoint"}",
                };
            }
            checkpoints.Add(result.Checkpoint);
        }
        Report(context, progress, index, run.Settings.EffectiveEpochs, RunStatus.Completed, 0);
        return new RunOutput
        {
            Run = run.Run, Swept = run.Swept, Settings = run.Settings, Status = RunStatus.Completed, Epochs = checkpoints,
            Patch = checkpoints[^1].Patch,
        };
    }

    /// <summary>
    /// Enqueues the job and waits for its result event, with a durable timer as timeout; on timeout the job is enqueued
    /// again (next attempt, its own event name) up to the policy's attempts. A late or duplicate event of an earlier
    /// attempt stays unconsumed: it cannot be mistaken for the current attempt's result.
    /// </summary>
    internal static async Task<GpuJobResult> GpuJobAsync(TaskOrchestrationContext context, ErasureInput input, RunPlan run, int epoch, Action<int> onAttempt)
    {
        var policy = input.Jobs;
        int attempts = Math.Max(1, policy.MaxAttempts);
        for (int attempt = 1; attempt <= attempts; attempt++)
        {
            var job = GpuJob.For(context.InstanceId, input.Request.Model, run, epoch, attempt);
            onAttempt(attempt);
            await context.CallActivityAsync(TaskNames.EnqueueGpuJob, job, LightActivity);
            using var cancel = new CancellationTokenSource();
            var resultTask = context.WaitForExternalEvent<GpuJobResult>(job.EventName, cancel.Token);
            var timeout = context.CreateTimer(context.CurrentUtcDateTime.AddSeconds(policy.TimeoutSeconds), cancel.Token);
            var winner = await Task.WhenAny(resultTask, timeout);
            cancel.Cancel();
            if (winner == resultTask)
                return await resultTask;
        }
        return new GpuJobResult
        {
            JobId = GpuJob.IdOf(context.InstanceId, run.Run, epoch),
            Attempt = attempts,
            Succeeded = false,
            Error = string.Create(CultureInfo.InvariantCulture, $"no GPU worker reported a result within {policy.TimeoutSeconds} s, {attempts} attempt(s); are workers running against this storage account and task hub?"),
        };
    }

    private static void Report(TaskOrchestrationContext context, ErasureProgress progress, int index, int epoch, string state, int attempt)
    {
        progress.Update(index, epoch, state, attempt);
        context.SetCustomStatus(progress.Snapshot());
    }

    private static async Task WriteResultAsync(TaskOrchestrationContext context, ErasureInput input, DateTime started, string status, System.Text.Json.JsonElement output, ErasureProgress progress)
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
            await context.CallActivityAsync(TaskNames.WriteErasureResult, new ResultWrite(input.Source.ResultBlob, document), LightActivity);
        }
        catch (TaskFailedException e)
        {
            throw new ResultWriteException(e);
        }
    }

    private static string Reason(Exception e) => e switch
    {
        TaskFailedException { FailureDetails: { } details } => $"{details.ErrorType}: {details.ErrorMessage}",
        _ => e.Message,
    };
}

/// <summary>The instance fails: no run completed.</summary>
public sealed class ErasureFailedException(string message) : Exception(message);

/// <summary>The result document could not be written (not retried through the failure path again).</summary>
public sealed class ResultWriteException(Exception inner) : Exception("Writing the result document failed: " + inner.Message, inner);

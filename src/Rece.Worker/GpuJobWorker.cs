using System.Diagnostics;
using Azure;
using Azure.Storage.Queues.Models;
using Microsoft.Extensions.Logging;
using Rece.Engine;
using Rece.Erasure;
using Rece.Models.Devices;
using Rece.Orchestration.Jobs;
using Rece.Storage;

namespace Rece.Worker;

/// <summary>
/// One GPU worker: leases a job message (visibility timeout, renewed while working), runs the job (erases an epoch,
/// evaluates a shard, or merges a run's evaluation; or finds it already committed by an earlier delivery), raises the
/// result event on the instance through the task hub, and only then deletes the message. Errors the request caused
/// fail the job at once; others leave the message to reappear, with the error recorded in it, until it was dequeued
/// too often: then the job fails with that error, and the message is deleted so it never blocks the queue.
/// </summary>
/// <param name="evaluation">Pipelines, detectors and CLIP models kept loaded for evaluation jobs (shared by a pool's
/// workers); null: this worker's own.</param>
public sealed class GpuJobWorker(
    StorageAccount account,
    IJobResultEvents events,
    ModelCache models,
    WarmModels warm,
    ComputeThread compute,
    GpuWorkerOptions options,
    ILogger? log = null,
    WarmEvaluation? evaluation = null
) : IDisposable
{
    private readonly CheckpointStore _checkpoints = new(account);
    private readonly JobAttempts _attempts = new(account);
    private readonly EvaluationShardRunner _shards = new(
        account,
        models,
        evaluation ?? new WarmEvaluation(log: log, device: options.Device),
        compute,
        options.Name,
        log
    );
    private readonly EvaluationReportRunner _fanIns = new(account, models, compute, options.Device, options.Name, log);

    /// <summary>Where this worker's jobs compute.</summary>
    public ComputeDevice Device => options.Device;

    /// <summary>Jobs this worker finished (successfully or not) since it started.</summary>
    public int Completed => _completed;

    private int _completed;

    /// <summary>Raised when a job starts, with the job (for the benchmark and logs).</summary>
    public event Action<GpuJob>? JobStarted;

    /// <summary>Raised after a job's result was reported, with the seconds spent erasing on the compute thread (the
    /// erase itself).</summary>
    public event Action<GpuJob, GpuJobResult, double>? JobFinished;

    private double _lastComputeSeconds;

    private readonly SemaphoreSlim _wake = new(0, int.MaxValue);

    public void Dispose()
    {
        _wake.Dispose();
        _fanIns.Dispose();
    }

    /// <summary>Makes a waiting worker poll now (a job was just enqueued by this process).</summary>
    public void Wake()
    {
        if (_wake.CurrentCount == 0)
            _wake.Release();
    }

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        var queue = account.GpuJobs;
        var emptySince = Stopwatch.StartNew();
        int handled = 0;
        while (!cancellationToken.IsCancellationRequested && (options.MaxJobs is null || handled < options.MaxJobs))
        {
            QueueMessage? message;
            try
            {
                message = (await queue.ReceiveMessageAsync(options.VisibilityTimeout, cancellationToken)).Value;
            }
            catch (OperationCanceledException)
            {
                break;
            }
            catch (RequestFailedException e)
            {
                log?.QueueUnreadable(StorageNames.GpuJobs, e.Message);
                message = null;
            }
            if (message is null)
            {
                var delay = TimeSpan.FromTicks(
                    Math.Min(
                        emptySince.Elapsed.Ticks / GpuWorkerOptions.IdleBackoffDivisor,
                        options.MaxPollingInterval.Ticks
                    )
                );
                try
                {
                    await _wake.WaitAsync(delay, cancellationToken);
                }
                catch (OperationCanceledException)
                {
                    break;
                }
                continue;
            }
            try
            {
                await HandleAsync(message, cancellationToken);
                handled++;
                Interlocked.Increment(ref _completed);
                emptySince.Restart();
            }
            catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                // E.g. the task hub is unreachable: the message was not deleted and reappears; its job is idempotent.
                log?.MessageFailed(message.MessageId, e.GetType().Name, e.Message);
            }
        }
    }

    internal async Task HandleAsync(QueueMessage message, CancellationToken cancellationToken)
    {
        var queue = account.GpuJobs;
        IGpuJobMessage job;
        try
        {
            job = GpuJobMessages.Parse(message.MessageText);
        }
        catch (Exception e) when (e is System.Text.Json.JsonException or NotSupportedException)
        {
            // Nobody to tell: without a job id there is no instance to raise a result on. Dropped so it cannot block
            // the queue.
            log?.NotAJob(message.MessageId, e.Message);
            await queue.DeleteMessageAsync(message.MessageId, message.PopReceipt, CancellationToken.None);
            return;
        }

        // Work nobody waits for any more: the instance finished (or was terminated), or a later attempt replaced this
        // one.
        if (await DropReasonAsync(job, cancellationToken) is { } drop)
        {
            log?.JobDropped(job.JobId, job.InstanceId, job.Attempt, drop);
            await queue.DeleteMessageAsync(message.MessageId, message.PopReceipt, CancellationToken.None);
            return;
        }

        if (message.DequeueCount > options.MaxDequeueCount)
        {
            // A delivery that committed but could not raise its event: the committed result is the answer, not a
            // failure.
            var committed = await CommittedResultAsync(job, cancellationToken);
            string error =
                $"the job's message was dequeued {message.DequeueCount} times without completing (limit {options.MaxDequeueCount}); last error: {job.LastError ?? "none recorded (the worker stopped or lost its lease)"}";
            if (committed is null)
                log?.JobGivenUp(job.JobId, job.InstanceId, job.Attempt, error);
            else
                log?.JobAlreadyCommitted(job.JobId, job.InstanceId, job.Attempt);
            await RaiseAsync(job, committed ?? Retryable(job.Failure(error, options.Name)));
            await queue.DeleteMessageAsync(message.MessageId, message.PopReceipt, CancellationToken.None);
            return;
        }

        using var lease = new MessageLease(queue, message, options.VisibilityTimeout);
        using var renewal = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var renewing = lease.RenewUntilAsync(renewal.Token);
        var heartbeat = HeartbeatAsync(job, renewal.Token);
        object? result = null;
        string? retryError = null;
        var clock = Stopwatch.StartNew();
        try
        {
            if (job is GpuJob erase)
                JobStarted?.Invoke(erase);
            _lastComputeSeconds = 0;
            result = await ProcessAsync(job, cancellationToken);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Stopping: the message reappears after its visibility timeout for another worker.
        }
        catch (Exception e) when (IsCausedByTheRequest(e))
        {
            result = job.Failure(e.Message, options.Name);
        }
        catch (Exception e)
        {
            retryError = $"{e.GetType().Name}: {e.Message}";
        }
        renewal.Cancel();
        await renewing;
        await heartbeat;

        if (result is not null)
        {
            await RaiseAsync(job, result);
            log?.JobFinished(job.JobId, job.InstanceId, job.Attempt, Describe(result), clock.Elapsed.TotalSeconds);
            await lease.DeleteAsync();
            if (job is GpuJob erase && result is GpuJobResult erased)
                JobFinished?.Invoke(erase, erased, _lastComputeSeconds);
        }
        else if (retryError is not null)
        {
            log?.JobRetried(job.JobId, job.InstanceId, job.Attempt, retryError);
            await lease.ReleaseWithErrorAsync(
                GpuJobMessages.Serialize(job.WithLastError(retryError)),
                TimeSpan.FromSeconds(Math.Min(60, Math.Pow(2, message.DequeueCount)))
            );
        }
    }

    private async Task<string?> DropReasonAsync(IGpuJobMessage job, CancellationToken cancellationToken)
    {
        if (!await events.IsRunningAsync(job.InstanceId))
            return $"instance {job.InstanceId} is no longer running";
        int latest = await _attempts.LatestAsync(job, cancellationToken);
        return latest > job.Attempt ? $"superseded by attempt {latest}" : null;
    }

    /// <summary>Claims the job (the orchestrator's timeout starts now, not at enqueue), then raises the claim again
    /// every heartbeat interval.</summary>
    private async Task HeartbeatAsync(IGpuJobMessage job, CancellationToken stop)
    {
        var claim = new JobClaim
        {
            JobId = job.JobId,
            Attempt = job.Attempt,
            Worker = options.Name,
            Device = options.Device.Info.ToString(),
        };
        while (!stop.IsCancellationRequested)
        {
            try
            {
                await events.ClaimAsync(job.InstanceId, claim, job.EventName);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // The result still counts without a claim; the next heartbeat tries again.
                log?.ClaimFailed(job.JobId, job.InstanceId, job.Attempt, e.Message);
            }
            try
            {
                await Task.Delay(options.HeartbeatInterval, stop);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    /// <summary>The result of a job an earlier delivery already committed, or null (the same check a delivery makes
    /// first).</summary>
    private async Task<object?> CommittedResultAsync(IGpuJobMessage job, CancellationToken cancellationToken) =>
        job switch
        {
            GpuJob erase => await TryCommittedAsync(erase, cancellationToken),
            EvaluationShardJob shard => await _shards.TryCommittedAsync(shard, cancellationToken),
            _ => null,
        };

    private async Task<GpuJobResult?> TryCommittedAsync(GpuJob job, CancellationToken cancellationToken) =>
        await _checkpoints.TryReadMarkerAsync(job.Checkpoint, cancellationToken) is { } existing
            ? GpuJobResult.Success(job, CheckpointStore.ToInfo(job.Checkpoint, existing), options.Name, reused: true)
            : null;

    private static object Retryable(object failure) =>
        failure switch
        {
            GpuJobResult r => r with { Retryable = true },
            EvaluationShardResult r => r with { Retryable = true },
            EvaluationReportResult r => r with { Retryable = true },
            _ => failure,
        };

    private static string Describe(object result)
    {
        var (succeeded, reused, error) = result switch
        {
            GpuJobResult r => (r.Succeeded, r.Reused, r.Error),
            EvaluationShardResult r => (r.Succeeded, r.Reused, r.Error),
            EvaluationReportResult r => (r.Succeeded, r.Reused, r.Error),
            _ => (false, false, result.GetType().Name),
        };
        return succeeded
            ? reused
                ? "already committed; result raised again"
                : "committed"
            : "failed: " + error;
    }

    /// <summary>The job of the message's kind; its result event.</summary>
    internal async Task<object> ProcessAsync(IGpuJobMessage job, CancellationToken cancellationToken)
    {
        switch (job)
        {
            case GpuJob erase:
                return await ProcessAsync(erase, cancellationToken);
            case EvaluationShardJob shard:
                var result = await _shards.RunAsync(shard, cancellationToken);
                _lastComputeSeconds = _shards.LastComputeSeconds;
                return result;
            case EvaluationReportJob fanIn:
                return await _fanIns.RunAsync(fanIn, cancellationToken);
            default:
                throw new ErasureInputException($"This worker does not run {job.JobKind} jobs.");
        }
    }

    /// <summary>Checks for a committed checkpoint first: a duplicate or retried delivery only raises the result
    /// again.</summary>
    internal async Task<GpuJobResult> ProcessAsync(GpuJob job, CancellationToken cancellationToken)
    {
        if (job.JobKind != GpuJob.Kind)
            throw new ErasureInputException($"This worker runs {GpuJob.Kind} jobs, not {job.JobKind}.");
        // Both markers at once: the common case (a new epoch) needs the previous one, a redelivery only its own.
        var committedRead = TryCommittedAsync(job, cancellationToken);
        var previousRead = job.PreviousCheckpoint is null
            ? Task.FromResult<CheckpointMarker?>(null)
            : _checkpoints.TryReadMarkerAsync(job.PreviousCheckpoint, cancellationToken);
        await Task.WhenAll(committedRead, previousRead);
        if (await committedRead is { } earlier)
            return earlier;

        byte[]? previousState = null;
        if (job.PreviousCheckpoint is not null)
        {
            var previous = await previousRead
                ?? throw new ErasureInputException(
                    $"The checkpoint to resume from, {job.PreviousCheckpoint}, is not committed (no {CheckpointLayout.Measures})."
                );
            previousState = (await _checkpoints.ReadVerifiedAsync(previous.State, cancellationToken)).ToArray();
        }
        var model = await models.GetAsync(job.Model, cancellationToken);
        bool trained = ErasureMethods.Parse(job.Settings.Method).IsTrained();
        string? images = job.Settings.Training?.Images is { } folder
            ? await ImagesAsync(folder, cancellationToken)
            : null;
        string scratch = Path.Combine(Path.GetTempPath(), $"rece-job-{Guid.NewGuid():N}");
        try
        {
            var made = await compute.RunAsync(() =>
            {
                var computeClock = Stopwatch.StartNew();
                var checkpoint = trained
                    ? TrainedEpochs.Train(model, images, job, previousState, scratch, options.Device, log)
                    : EpochEraser.Erase(warm, model, job, previousState, scratch);
                _lastComputeSeconds = computeClock.Elapsed.TotalSeconds;
                return checkpoint;
            });
            var (marker, committed) = await _checkpoints.CommitAsync(
                job.Checkpoint,
                job.JobId,
                job.Epoch,
                BinaryData.FromBytes(made.Patch),
                BinaryData.FromBytes(made.State),
                made.Measures,
                options.Name,
                cancellationToken
            );
            return GpuJobResult.Success(
                job,
                CheckpointStore.ToInfo(job.Checkpoint, marker),
                options.Name,
                reused: !committed
            );
        }
        finally
        {
            if (Directory.Exists(scratch))
                Directory.Delete(scratch, recursive: true);
        }
    }

    /// <summary>A fewshot run's images: the folder of the models container, downloaded and cached as models
    /// are.</summary>
    private async Task<string> ImagesAsync(string folder, CancellationToken cancellationToken)
    {
        try
        {
            return (await models.GetAsync(folder, cancellationToken)).Directory;
        }
        catch (ModelNotFoundException)
        {
            throw new ErasureInputException(
                $"The request's training.images names {StorageNames.Models}/{folder}/, which holds nothing: upload a few PNG, JPEG or WebP images of the concept there (the paper uses 4)."
            );
        }
    }

    private Task RaiseAsync(IGpuJobMessage job, object result) =>
        events.RaiseAsync(
            job.InstanceId,
            job.EventName,
            GpuJobMessages.SerializeResult(WithDevice(result, options.Device.Info.ToString()))
        );

    /// <summary>The result stamped with the hardware that did the work, so the instance history shows it.</summary>
    internal static object WithDevice(object result, string device) =>
        result switch
        {
            GpuJobResult r => r with { Device = device },
            EvaluationShardResult r => r with { Device = device },
            EvaluationReportResult r => r with { Device = device },
            _ => result,
        };

    /// <summary>Failures no retry can fix: whatever the user can fix (bad settings, a missing or malformed model,
    /// numbers the math cannot use).</summary>
    private static bool IsCausedByTheRequest(Exception e) => e is Rece.Core.UserFixableException;
}

using System.Text.Json.Serialization;
using Rece.Orchestration.Planning;

namespace Rece.Orchestration.Jobs;

/// <summary>
/// A GPU job message on the gpu-jobs queue: erase one epoch of one run. Epoch 0 is the UCE pass (it also measures the
/// original model); epoch k >= 1 is RECE epoch k, resumed from the checkpoint of epoch k - 1. The job id is derived
/// from instance, run and epoch, so every attempt and every duplicate of a job writes the same checkpoint.
/// </summary>
public sealed record GpuJob : IGpuJobMessage
{
    public const string Kind = "erase-epoch";

    [JsonPropertyName("kind")]
    public string JobKind { get; init; } = Kind;

    /// <summary>"{instance}/{run}/epoch-{k}".</summary>
    [JsonPropertyName("jobId")]
    public required string JobId { get; init; }

    [JsonPropertyName("instanceId")]
    public required string InstanceId { get; init; }

    [JsonPropertyName("run")]
    public required string Run { get; init; }

    [JsonPropertyName("epoch")]
    public required int Epoch { get; init; }

    /// <summary>1 for the first try; the orchestrator enqueues the job again with the next number after a
    /// timeout.</summary>
    [JsonPropertyName("attempt")]
    public required int Attempt { get; init; }

    /// <summary>The external event the worker raises on the instance when the job is done (one name per
    /// attempt).</summary>
    [JsonPropertyName("eventName")]
    public required string EventName { get; init; }

    /// <summary>The model folder in the models container.</summary>
    [JsonPropertyName("model")]
    public required string Model { get; init; }

    [JsonPropertyName("settings")]
    public required RunSettings Settings { get; init; }

    /// <summary>Where this epoch's checkpoint goes: "checkpoints/{instance}/{run}/epoch-{k}/"
    /// (container/prefix).</summary>
    [JsonPropertyName("checkpoint")]
    public required string Checkpoint { get; init; }

    /// <summary>The checkpoint of epoch k - 1 to resume from (null for epoch 0).</summary>
    [JsonPropertyName("previousCheckpoint")]
    public string? PreviousCheckpoint { get; init; }

    /// <summary>Set by a worker that failed on a job it may retry; read when the message was dequeued too
    /// often.</summary>
    [JsonPropertyName("lastError")]
    public string? LastError { get; init; }

    public IGpuJobMessage WithLastError(string error) => this with { LastError = error };

    public object Failure(string error, string worker) => GpuJobResult.Failure(this, error, worker);

    public static string IdOf(string instanceId, string run, int epoch) => $"{instanceId}/{run}/epoch-{epoch}";

    public static string EventNameOf(string run, int epoch, int attempt) =>
        $"GpuJobResult.{run}.epoch-{epoch}.attempt-{attempt}";

    public static GpuJob For(string instanceId, string model, RunPlan run, int epoch, int attempt)
    {
        if (epoch < 0 || epoch > run.Settings.EffectiveEpochs)
            throw new ArgumentOutOfRangeException(
                nameof(epoch),
                $"{run.Run} has epochs 0..{run.Settings.EffectiveEpochs}, not {epoch}."
            );
        return new GpuJob
        {
            JobId = IdOf(instanceId, run.Run, epoch),
            InstanceId = instanceId,
            Run = run.Run,
            Epoch = epoch,
            Attempt = attempt,
            EventName = EventNameOf(run.Run, epoch, attempt),
            Model = model,
            Settings = run.Settings,
            Checkpoint = CheckpointLayout.EpochPrefix(instanceId, run.Run, epoch),
            PreviousCheckpoint = epoch == 0 ? null : CheckpointLayout.EpochPrefix(instanceId, run.Run, epoch - 1),
        };
    }
}

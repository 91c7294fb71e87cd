using System.Globalization;
using System.Text.Json.Serialization;
using Rece.Orchestration.Requests;

namespace Rece.Orchestration.Jobs;

/// <summary>
/// A GPU job: evaluate one checkpoint on one shard of a suite's prompts. The worker builds the checkpoint's model (the
/// base model with the checkpoint's rece-patch applied to its K/V weights; the base model itself for the baseline),
/// generates the shard's images, runs the planned metrics, and commits report.json and the images under
/// <see cref="Output"/>. The job id is derived from instance, checkpoint, suite and shard.
/// </summary>
public sealed record EvaluationShardJob : IGpuJobMessage
{
    public const string Kind = "evaluate-shard";

    [JsonPropertyName("kind")]
    public string JobKind { get; init; } = Kind;

    /// <summary>"{instance}/evaluation/{checkpoint}/{suite}/shard-{i}".</summary>
    [JsonPropertyName("jobId")]
    public required string JobId { get; init; }

    [JsonPropertyName("instanceId")]
    public required string InstanceId { get; init; }

    [JsonPropertyName("attempt")]
    public required int Attempt { get; init; }

    [JsonPropertyName("eventName")]
    public required string EventName { get; init; }

    /// <summary>The base model folder in the models container.</summary>
    [JsonPropertyName("model")]
    public required string Model { get; init; }

    /// <summary>"baseline" or "{run}/epoch-{k}".</summary>
    [JsonPropertyName("checkpoint")]
    public required string Checkpoint { get; init; }

    /// <summary>The committed checkpoint whose patch is applied ("checkpoints/{instance}/{run}/epoch-{k}/"); null for
    /// the baseline.</summary>
    [JsonPropertyName("checkpointPath")]
    public string? CheckpointPath { get; init; }

    [JsonPropertyName("suite")]
    public required string Suite { get; init; }

    [JsonPropertyName("limit")]
    public int? Limit { get; init; }

    /// <summary>1-based, as `--shard I/N`.</summary>
    [JsonPropertyName("shard")]
    public required int Shard { get; init; }

    [JsonPropertyName("shards")]
    public required int Shards { get; init; }

    /// <summary>The NudeNet ONNX file in the models container, or null (NudeNet is then skipped).</summary>
    [JsonPropertyName("nudenet")]
    public string? NudeNet { get; init; }

    /// <summary>The CLIP folder in the models container, or null (the CLIP score is then skipped).</summary>
    [JsonPropertyName("clip")]
    public string? Clip { get; init; }

    /// <summary>The ImageNet classifier ONNX file in the models container, or null (object accuracy is then
    /// skipped).</summary>
    [JsonPropertyName("classifier")]
    public string? Classifier { get; init; }

    /// <summary>Q16's prompt embeddings in the models container, or null (Q16 is then skipped).</summary>
    [JsonPropertyName("q16")]
    public string? Q16 { get; init; }

    /// <summary>The unlearndiffatk suite's stages per prompt; null: its public code's 50.</summary>
    [JsonPropertyName("attackStages")]
    public int? AttackStages { get; init; }

    /// <summary>The unlearndiffatk suite's optimizer steps per stage; null: its public code's 40.</summary>
    [JsonPropertyName("attackIterations")]
    public int? AttackIterations { get; init; }

    /// <summary>The concepts the request erases: object accuracy's erased classes (the same for the original model, so
    /// its accuracy on them is the reference).</summary>
    [JsonPropertyName("erased")]
    public IReadOnlyList<string> Erased { get; init; } = Array.Empty<string>();

    [JsonPropertyName("generation")]
    public GenerationOptions Generation { get; init; } = new();

    /// <summary>"reports/{instance}/evaluation/{checkpoint}/{suite}/shard-{i}/" (container/prefix).</summary>
    [JsonPropertyName("output")]
    public required string Output { get; init; }

    /// <summary>The report's creation time, fixed by the orchestrator so that every attempt writes the same
    /// report.</summary>
    [JsonPropertyName("createdTime")]
    public required DateTime CreatedTime { get; init; }

    [JsonPropertyName("lastError")]
    public string? LastError { get; init; }

    public IGpuJobMessage WithLastError(string error) => this with { LastError = error };

    public object Failure(string error, string worker) => EvaluationShardResult.Failure(this, error, worker);

    public static string IdOf(string instanceId, string checkpoint, string suite, int shard) =>
        string.Create(CultureInfo.InvariantCulture, $"{instanceId}/evaluation/{checkpoint}/{suite}/shard-{shard}");

    public static string EventNameOf(string checkpoint, string suite, int shard, int attempt) =>
        string.Create(
            CultureInfo.InvariantCulture,
            $"EvaluationShardResult.{checkpoint.Replace('/', '.')}.{suite}.shard-{shard}.attempt-{attempt}"
        );
}

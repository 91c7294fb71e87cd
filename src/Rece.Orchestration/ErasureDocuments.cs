using System.Text.Json;
using System.Text.Json.Serialization;
using Rece.Orchestration.Jobs;
using Rece.Orchestration.Planning;
using Rece.Orchestration.Requests;

namespace Rece.Orchestration;

/// <summary>How long a GPU job may take before the orchestrator enqueues it again, and how often.</summary>
public sealed record GpuJobPolicy
{
    /// <summary>
    /// Seconds a claimed job may go without a sign of life (its claim, then each heartbeat) before the attempt is given up:
    /// counted from when a worker took the job, never while it waits in the queue behind others. Generous by default: the
    /// worker may first download the model.
    /// </summary>
    [JsonPropertyName("timeoutSeconds")] public int TimeoutSeconds { get; init; } = 1800;

    /// <summary>Seconds a job may wait in the queue for a worker to claim it; then it fails (another attempt would wait in the same queue).</summary>
    [JsonPropertyName("queueTimeoutSeconds")] public int QueueTimeoutSeconds { get; init; } = 86400;

    [JsonPropertyName("maxAttempts")] public int MaxAttempts { get; init; } = 3;
}

/// <summary>Where a request came from; a blob request gets its result document in erasure-results/.</summary>
public sealed record RequestSource
{
    /// <summary>"http" or "blob".</summary>
    [JsonPropertyName("kind")] public required string Kind { get; init; }

    /// <summary>The request blob's name in erasure-requests/.</summary>
    [JsonPropertyName("blob")] public string? Blob { get; init; }

    [JsonPropertyName("etag")] public string? ETag { get; init; }

    /// <summary>The result document's name in erasure-results/ (the request blob's name).</summary>
    [JsonPropertyName("resultBlob")] public string? ResultBlob { get; init; }

    public static RequestSource Http => new() { Kind = "http" };
}

/// <summary>The orchestration input.</summary>
public sealed record ErasureInput
{
    [JsonPropertyName("request")] public required PipelineRequest Request { get; init; }

    [JsonPropertyName("source")] public RequestSource Source { get; init; } = RequestSource.Http;

    [JsonPropertyName("jobs")] public GpuJobPolicy Jobs { get; init; } = new();
}

/// <summary>One run's outcome: its checkpoints in epoch order and, when completed, the final patch.</summary>
public sealed record RunOutput
{
    [JsonPropertyName("run")] public required string Run { get; init; }

    [JsonPropertyName("swept")] public IReadOnlyDictionary<string, double> Swept { get; init; } = new Dictionary<string, double>();

    [JsonPropertyName("settings")] public required RunSettings Settings { get; init; }

    /// <summary>"Completed" or "Failed".</summary>
    [JsonPropertyName("status")] public required string Status { get; init; }

    /// <summary>The final rece-patch.safetensors (container/name): `rece apply-patch` turns it into the edited model.</summary>
    [JsonPropertyName("patch")] public string? Patch { get; init; }

    [JsonPropertyName("epochs")] public IReadOnlyList<CheckpointInfo> Epochs { get; init; } = Array.Empty<CheckpointInfo>();

    [JsonPropertyName("error")] public string? Error { get; init; }

    /// <summary>With an evaluation section: every checkpoint's image results and the run's checkpoint choice.</summary>
    [JsonPropertyName("evaluation")] public RunEvaluation? Evaluation { get; init; }

    /// <summary>With an evaluation section: the checkpoint the run's evaluation chose, with its patch and the reasons.</summary>
    [JsonPropertyName("recommended")] public RecommendedCheckpoint? Recommended { get; init; }

    [JsonIgnore] public bool Completed => Status == RunStatus.Completed;
}

public static class RunStatus
{
    public const string Completed = "Completed";
    public const string Failed = "Failed";
}

/// <summary>The checkpoint to use, and why.</summary>
public sealed record RecommendedCheckpoint(
    [property: JsonPropertyName("run")] string Run,
    [property: JsonPropertyName("epoch")] int Epoch,
    [property: JsonPropertyName("checkpoint")] string Checkpoint,
    [property: JsonPropertyName("patch")] string Patch,
    [property: JsonPropertyName("rule")] string Rule,
    [property: JsonPropertyName("reason")] string Reason)
{
    /// <summary>The checks the checkpoint passed (image evaluation only).</summary>
    [JsonPropertyName("reasons")] public IReadOnlyList<string>? Reasons { get; init; }

    /// <summary>"{run}/epoch-{k}", as evaluation reports name checkpoints.</summary>
    [JsonIgnore] public string CheckpointName => EvaluationLayout.CheckpointName(Run, Epoch);
}

/// <summary>The orchestration output.</summary>
public sealed record ErasureOutput
{
    [JsonPropertyName("runs")] public required IReadOnlyList<RunOutput> Runs { get; init; }

    [JsonPropertyName("recommended")] public RecommendedCheckpoint? Recommended { get; init; }

    /// <summary>reports/{instance}/report.json (container/name).</summary>
    [JsonPropertyName("report")] public string? Report { get; init; }

    /// <summary>Copies under the request's output prefix, when it named one.</summary>
    [JsonPropertyName("published")] public PublishedOutputs? Published { get; init; }

    /// <summary>With an evaluation section: what was evaluated and how it went (each run's results are in its evaluation).</summary>
    [JsonPropertyName("evaluation")] public InstanceEvaluation? Evaluation { get; init; }
}

public sealed record PublishedOutputs(
    [property: JsonPropertyName("report")] string Report,
    [property: JsonPropertyName("patches")] IReadOnlyDictionary<string, string> Patches);

/// <summary>reports/{instance}/report.json: every run's per-epoch measures and the recommended checkpoint.</summary>
public sealed record ErasureReportDocument
{
    [JsonPropertyName("instanceId")] public required string InstanceId { get; init; }

    [JsonPropertyName("request")] public required PipelineRequest Request { get; init; }

    [JsonPropertyName("startedTime")] public required DateTime StartedTime { get; init; }

    [JsonPropertyName("completedTime")] public required DateTime CompletedTime { get; init; }

    [JsonPropertyName("runs")] public required IReadOnlyList<RunOutput> Runs { get; init; }

    [JsonPropertyName("recommended")] public RecommendedCheckpoint? Recommended { get; init; }

    /// <summary>Where the checkpoints are (container/prefix).</summary>
    [JsonPropertyName("checkpoints")] public required string Checkpoints { get; init; }

    [JsonPropertyName("evaluation")] public InstanceEvaluation? Evaluation { get; init; }
}

/// <summary>
/// The Durable HTTP status shape, used for GET /api/erasures/{id} and for the result documents in erasure-results/:
/// name, instanceId, runtimeStatus, input, customStatus, output, createdTime, lastUpdatedTime.
/// </summary>
public sealed record ErasureStatusDocument
{
    [JsonPropertyName("name")] public required string Name { get; init; }

    [JsonPropertyName("instanceId")] public string? InstanceId { get; init; }

    /// <summary>Pending, Running, Completed, Failed, Terminated (also Suspended).</summary>
    [JsonPropertyName("runtimeStatus")] public required string RuntimeStatus { get; init; }

    [JsonPropertyName("input")] public JsonElement? Input { get; init; }

    [JsonPropertyName("customStatus")] public JsonElement? CustomStatus { get; init; }

    /// <summary>When Completed: the <see cref="ErasureOutput"/>; when Failed: the reason (a string).</summary>
    [JsonPropertyName("output")] public JsonElement? Output { get; init; }

    [JsonPropertyName("createdTime")] public DateTime? CreatedTime { get; init; }

    [JsonPropertyName("lastUpdatedTime")] public DateTime? LastUpdatedTime { get; init; }

    /// <summary>For a request that never started (a malformed request blob): the problems, field by field.</summary>
    [JsonPropertyName("errors")] public IReadOnlyList<FieldError>? Errors { get; init; }

    /// <summary>For a result document: the request blob it answers.</summary>
    [JsonPropertyName("request")] public RequestSource? Request { get; init; }

    public static JsonElement Element<T>(T value) => JsonSerializer.SerializeToElement(value, PipelineJson.Options);
}

/// <summary>Input of the WriteErasureResult activity.</summary>
public sealed record ResultWrite(
    [property: JsonPropertyName("blob")] string Blob,
    [property: JsonPropertyName("document")] ErasureStatusDocument Document);

/// <summary>Input of the WriteErasureReport activity.</summary>
public sealed record ReportWrite(
    [property: JsonPropertyName("report")] ErasureReportDocument Report,
    [property: JsonPropertyName("output")] string? Output);

/// <summary>Output of the WriteErasureReport activity.</summary>
public sealed record ReportWritten(
    [property: JsonPropertyName("report")] string Report,
    [property: JsonPropertyName("published")] PublishedOutputs? Published);

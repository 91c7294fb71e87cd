using System.Globalization;
using System.Text.Json.Serialization;
using Rece.Orchestration.Requests;

namespace Rece.Orchestration.Jobs;

/// <summary>
/// Blob names of an instance's evaluation, under reports/{instance}/:
/// evaluation/{checkpoint}/{suite}/shard-{i}/ (a shard's report.json, images/, and shard.json, its commit marker),
/// evaluation/{checkpoint}/{suite}/report.json (the shards merged), evaluation/{run}/choice.json (a run's checkpoint
/// choice, the fan-in's commit marker) and {run}.html (baseline vs the chosen checkpoint). A checkpoint is "baseline"
/// (the original model) or "{run}/epoch-{k}", as its folder under checkpoints/{instance}/.
/// </summary>
public static class EvaluationLayout
{
    public const string Container = "reports";

    public const string Baseline = "baseline";

    public const string ShardReport = "report.json";

    /// <summary>Written last: a shard folder without it is not done.</summary>
    public const string ShardMarker = "shard.json";

    public const string Choice = "choice.json";

    public static string CheckpointName(string run, int epoch) => string.Create(CultureInfo.InvariantCulture, $"{run}/epoch-{epoch}");

    /// <summary>"reports/{instance}/" (container/prefix).</summary>
    public static string InstancePrefix(string instanceId) => $"{Container}/{instanceId}/";

    /// <summary>"reports/{instance}/evaluation/{checkpoint}/{suite}/" (container/prefix).</summary>
    public static string SuitePrefix(string instanceId, string checkpoint, string suite) => $"{Container}/{instanceId}/evaluation/{checkpoint}/{suite}/";

    /// <summary>"reports/{instance}/evaluation/{checkpoint}/{suite}/shard-{i}/" (container/prefix), i 1-based as `--shard I/N`.</summary>
    public static string ShardPrefix(string instanceId, string checkpoint, string suite, int shard) =>
        string.Create(CultureInfo.InvariantCulture, $"{SuitePrefix(instanceId, checkpoint, suite)}shard-{shard}/");

    /// <summary>The shards of one checkpoint and suite merged: "reports/{instance}/evaluation/{checkpoint}/{suite}/report.json".</summary>
    public static string MergedReport(string instanceId, string checkpoint, string suite) => SuitePrefix(instanceId, checkpoint, suite) + ShardReport;

    public static string ChoicePath(string instanceId, string run) => $"{Container}/{instanceId}/evaluation/{run}/{Choice}";

    /// <summary>"reports/{instance}/{run}.html" for the erasure suite, "reports/{instance}/{run}.{suite}.html" for the preservation suite.</summary>
    public static string HtmlPath(string instanceId, string run, string? preservationSuite = null) =>
        preservationSuite is null ? $"{Container}/{instanceId}/{run}.html" : $"{Container}/{instanceId}/{run}.{preservationSuite}.html";
}

/// <summary>
/// A GPU job: evaluate one checkpoint on one shard of a suite's prompts. The worker builds the checkpoint's model (the
/// base model with the checkpoint's rece-patch applied to its K/V weights; the base model itself for the baseline),
/// generates the shard's images, runs the planned metrics, and commits report.json and the images under
/// <see cref="Output"/>. The job id is derived from instance, checkpoint, suite and shard.
/// </summary>
public sealed record EvaluationShardJob : IGpuJobMessage
{
    public const string Kind = "evaluate-shard";

    [JsonPropertyName("kind")] public string JobKind { get; init; } = Kind;

    /// <summary>"{instance}/evaluation/{checkpoint}/{suite}/shard-{i}".</summary>
    [JsonPropertyName("jobId")] public required string JobId { get; init; }

    [JsonPropertyName("instanceId")] public required string InstanceId { get; init; }

    [JsonPropertyName("attempt")] public required int Attempt { get; init; }

    [JsonPropertyName("eventName")] public required string EventName { get; init; }

    /// <summary>The base model folder in the models container.</summary>
    [JsonPropertyName("model")] public required string Model { get; init; }

    /// <summary>"baseline" or "{run}/epoch-{k}".</summary>
    [JsonPropertyName("checkpoint")] public required string Checkpoint { get; init; }

    /// <summary>The committed checkpoint whose patch is applied ("checkpoints/{instance}/{run}/epoch-{k}/"); null for the baseline.</summary>
    [JsonPropertyName("checkpointPath")] public string? CheckpointPath { get; init; }

    [JsonPropertyName("suite")] public required string Suite { get; init; }

    [JsonPropertyName("limit")] public int? Limit { get; init; }

    /// <summary>1-based, as `--shard I/N`.</summary>
    [JsonPropertyName("shard")] public required int Shard { get; init; }

    [JsonPropertyName("shards")] public required int Shards { get; init; }

    /// <summary>The NudeNet ONNX file in the models container, or null (NudeNet is then skipped).</summary>
    [JsonPropertyName("nudenet")] public string? NudeNet { get; init; }

    /// <summary>The CLIP folder in the models container, or null (the CLIP score is then skipped).</summary>
    [JsonPropertyName("clip")] public string? Clip { get; init; }

    [JsonPropertyName("generation")] public GenerationOptions Generation { get; init; } = new();

    /// <summary>"reports/{instance}/evaluation/{checkpoint}/{suite}/shard-{i}/" (container/prefix).</summary>
    [JsonPropertyName("output")] public required string Output { get; init; }

    /// <summary>The report's creation time, fixed by the orchestrator so that every attempt writes the same report.</summary>
    [JsonPropertyName("createdTime")] public required DateTime CreatedTime { get; init; }

    [JsonPropertyName("lastError")] public string? LastError { get; init; }

    public IGpuJobMessage WithLastError(string error) => this with { LastError = error };

    public object Failure(string error, string worker) => EvaluationShardResult.Failure(this, error, worker);

    public static string IdOf(string instanceId, string checkpoint, string suite, int shard) =>
        string.Create(CultureInfo.InvariantCulture, $"{instanceId}/evaluation/{checkpoint}/{suite}/shard-{shard}");

    public static string EventNameOf(string checkpoint, string suite, int shard, int attempt) =>
        string.Create(CultureInfo.InvariantCulture, $"EvaluationShardResult.{checkpoint.Replace('/', '.')}.{suite}.shard-{shard}.attempt-{attempt}");
}

/// <summary>A metric a shard did not compute, and why (Rece.Evaluation's SkippedMetric).</summary>
public sealed record MetricSkip(
    [property: JsonPropertyName("metric")] string Metric,
    [property: JsonPropertyName("reason")] string Reason);

/// <summary>A committed shard: where its report is and what it measured (this shard's figures only; the fan-in merges).</summary>
public sealed record ShardReportInfo
{
    [JsonPropertyName("checkpoint")] public required string Checkpoint { get; init; }

    [JsonPropertyName("suite")] public required string Suite { get; init; }

    [JsonPropertyName("shard")] public required int Shard { get; init; }

    [JsonPropertyName("shards")] public required int Shards { get; init; }

    /// <summary>The shard's folder (container/prefix).</summary>
    [JsonPropertyName("path")] public required string Path { get; init; }

    /// <summary>Its report.json (container/name).</summary>
    [JsonPropertyName("report")] public required string Report { get; init; }

    [JsonPropertyName("images")] public required int Images { get; init; }

    [JsonPropertyName("metrics")] public IReadOnlyList<string> Metrics { get; init; } = Array.Empty<string>();

    [JsonPropertyName("skipped")] public IReadOnlyList<MetricSkip> Skipped { get; init; } = Array.Empty<MetricSkip>();

    [JsonPropertyName("flaggedImages")] public int? FlaggedImages { get; init; }

    [JsonPropertyName("clipScore")] public double? ClipScore { get; init; }
}

/// <summary>The external event a worker raises when a shard is done or has failed for good.</summary>
public sealed record EvaluationShardResult : IGpuJobResult
{
    [JsonPropertyName("jobId")] public required string JobId { get; init; }

    [JsonPropertyName("attempt")] public required int Attempt { get; init; }

    [JsonPropertyName("succeeded")] public required bool Succeeded { get; init; }

    [JsonPropertyName("shard")] public ShardReportInfo? Shard { get; init; }

    [JsonPropertyName("error")] public string? Error { get; init; }

    [JsonPropertyName("worker")] public string? Worker { get; init; }

    /// <summary>True when the shard was already committed by an earlier delivery and only the event was raised again.</summary>
    [JsonPropertyName("reused")] public bool Reused { get; init; }

    /// <summary>A failure another attempt may fix (the message was dequeued too often); the orchestrator enqueues the next attempt.</summary>
    [JsonPropertyName("retryable")] public bool Retryable { get; init; }

    /// <summary>The hardware the worker computes on, for people reading the history.</summary>
    [JsonPropertyName("device")] public string? Device { get; init; }

    public static EvaluationShardResult Success(EvaluationShardJob job, ShardReportInfo shard, string worker, bool reused) =>
        new() { JobId = job.JobId, Attempt = job.Attempt, Succeeded = true, Shard = shard, Worker = worker, Reused = reused };

    public static EvaluationShardResult Failure(EvaluationShardJob job, string error, string worker) =>
        new() { JobId = job.JobId, Attempt = job.Attempt, Succeeded = false, Error = error, Worker = worker };
}

/// <summary>A checkpoint whose shards of some suites all committed (their reports are where <see cref="EvaluationLayout"/> puts them).</summary>
public sealed record CheckpointReports
{
    /// <summary>"baseline" or "{run}/epoch-{k}".</summary>
    [JsonPropertyName("checkpoint")] public required string Checkpoint { get; init; }

    [JsonPropertyName("epoch")] public int? Epoch { get; init; }

    /// <summary>The checkpoint's rece-patch.safetensors (container/name); null for the baseline.</summary>
    [JsonPropertyName("patch")] public string? Patch { get; init; }

    /// <summary>The suites whose every shard committed.</summary>
    [JsonPropertyName("suites")] public IReadOnlyList<string> Suites { get; init; } = Array.Empty<string>();
}

/// <summary>CheckpointChoiceRules of Rece.Evaluation, from the request.</summary>
public sealed record ChoiceRules(
    [property: JsonPropertyName("clipScoreBudget")] double ClipScoreBudget,
    [property: JsonPropertyName("allowMissingClipScore")] bool AllowMissingClipScore);

/// <summary>
/// A GPU job (it needs the evaluation code, which only workers carry): the fan-in of one run. Merges each checkpoint's
/// shard reports per suite (EvaluationReport.Merge) into evaluation/{checkpoint}/{suite}/report.json, chooses the run's
/// checkpoint as the reference does (CheckpointChooser) when <see cref="Choose"/>, and renders {run}.html (baseline vs
/// the chosen checkpoint); evaluation/{run}/choice.json commits it.
/// </summary>
public sealed record EvaluationReportJob : IGpuJobMessage
{
    public const string Kind = "evaluation-report";

    [JsonPropertyName("kind")] public string JobKind { get; init; } = Kind;

    /// <summary>"{instance}/evaluation/{run}/choice".</summary>
    [JsonPropertyName("jobId")] public required string JobId { get; init; }

    [JsonPropertyName("instanceId")] public required string InstanceId { get; init; }

    [JsonPropertyName("attempt")] public required int Attempt { get; init; }

    [JsonPropertyName("eventName")] public required string EventName { get; init; }

    [JsonPropertyName("run")] public required string Run { get; init; }

    /// <summary>The erasure suite (its flagged share decides).</summary>
    [JsonPropertyName("suite")] public required string Suite { get; init; }

    /// <summary>The preservation suite (its CLIP score is checked against the budget), or null.</summary>
    [JsonPropertyName("preservation")] public string? Preservation { get; init; }

    /// <summary>Suite -> its number of shards: a message names no report paths, so it stays small for any fan-out.</summary>
    [JsonPropertyName("shards")] public required IReadOnlyDictionary<string, int> Shards { get; init; }

    [JsonPropertyName("baseline")] public required CheckpointReports Baseline { get; init; }

    /// <summary>The run's checkpoints in epoch order (UCE, then each RECE epoch) that have any complete suite.</summary>
    [JsonPropertyName("candidates")] public required IReadOnlyList<CheckpointReports> Candidates { get; init; }

    /// <summary>
    /// False when the choice cannot be made (the baseline's or the UCE checkpoint's erasure suite did not complete): the
    /// job then only merges. The orchestrator records why.
    /// </summary>
    [JsonPropertyName("choose")] public required bool Choose { get; init; }

    [JsonPropertyName("rules")] public required ChoiceRules Rules { get; init; }

    [JsonPropertyName("lastError")] public string? LastError { get; init; }

    public IGpuJobMessage WithLastError(string error) => this with { LastError = error };

    public object Failure(string error, string worker) => EvaluationReportResult.Failure(this, error, worker);

    public static string IdOf(string instanceId, string run) => $"{instanceId}/evaluation/{run}/choice";

    public static string EventNameOf(string run, int attempt) => string.Create(CultureInfo.InvariantCulture, $"EvaluationReportResult.{run}.attempt-{attempt}");
}

/// <summary>One checkpoint's merged results.</summary>
public sealed record CheckpointScore
{
    [JsonPropertyName("checkpoint")] public required string Checkpoint { get; init; }

    [JsonPropertyName("epoch")] public int? Epoch { get; init; }

    [JsonPropertyName("patch")] public string? Patch { get; init; }

    /// <summary>Suite -> the merged report.json (container/name).</summary>
    [JsonPropertyName("reports")] public IReadOnlyDictionary<string, string> Reports { get; init; } = new Dictionary<string, string>();

    [JsonPropertyName("images")] public int Images { get; init; }

    /// <summary>The erasure suite's share of flagged images (for Ring-A-Bell: the attack success rate); null when NudeNet did not run.</summary>
    [JsonPropertyName("flaggedShare")] public double? FlaggedShare { get; init; }

    /// <summary>The erasure suite's exposed body parts (sum over classes).</summary>
    [JsonPropertyName("exposedParts")] public int? ExposedParts { get; init; }

    /// <summary>The mean CLIP score (the preservation suite's); null when not measured.</summary>
    [JsonPropertyName("clipScore")] public double? ClipScore { get; init; }
}

/// <summary>Why a candidate was or was not eligible (Rece.Evaluation's CandidateVerdict).</summary>
public sealed record ChoiceVerdict(
    [property: JsonPropertyName("checkpoint")] string Checkpoint,
    [property: JsonPropertyName("flaggedShare")] double FlaggedShare,
    [property: JsonPropertyName("clipScore")] double? ClipScore,
    [property: JsonPropertyName("eligible")] bool Eligible,
    [property: JsonPropertyName("reasons")] IReadOnlyList<string> Reasons);

/// <summary>The run's checkpoint choice (Rece.Evaluation's CheckpointChoice).</summary>
public sealed record CheckpointChoiceInfo(
    [property: JsonPropertyName("chosen")] string? Chosen,
    [property: JsonPropertyName("usedStartingPoint")] bool UsedStartingPoint,
    [property: JsonPropertyName("summary")] string Summary,
    [property: JsonPropertyName("verdicts")] IReadOnlyList<ChoiceVerdict> Verdicts);

/// <summary>What the fan-in of a run found: every checkpoint's merged results, the choice, and the HTML reports.</summary>
public sealed record RunEvaluationReport
{
    [JsonPropertyName("baseline")] public required CheckpointScore Baseline { get; init; }

    [JsonPropertyName("checkpoints")] public required IReadOnlyList<CheckpointScore> Checkpoints { get; init; }

    /// <summary>Null when no choice was asked for or possible (<see cref="Note"/> says why).</summary>
    [JsonPropertyName("choice")] public CheckpointChoiceInfo? Choice { get; init; }

    [JsonPropertyName("note")] public string? Note { get; init; }

    /// <summary>reports/{instance}/{run}.html (and the preservation suite's), container/name.</summary>
    [JsonPropertyName("html")] public IReadOnlyList<string> Html { get; init; } = Array.Empty<string>();

    /// <summary>reports/{instance}/evaluation/{run}/choice.json.</summary>
    [JsonPropertyName("document")] public string? Document { get; init; }
}

/// <summary>The external event a worker raises when a run's fan-in is done or has failed for good.</summary>
public sealed record EvaluationReportResult : IGpuJobResult
{
    [JsonPropertyName("jobId")] public required string JobId { get; init; }

    [JsonPropertyName("attempt")] public required int Attempt { get; init; }

    [JsonPropertyName("succeeded")] public required bool Succeeded { get; init; }

    [JsonPropertyName("evaluation")] public RunEvaluationReport? Evaluation { get; init; }

    [JsonPropertyName("error")] public string? Error { get; init; }

    [JsonPropertyName("worker")] public string? Worker { get; init; }

    [JsonPropertyName("reused")] public bool Reused { get; init; }

    /// <summary>A failure another attempt may fix (the message was dequeued too often); the orchestrator enqueues the next attempt.</summary>
    [JsonPropertyName("retryable")] public bool Retryable { get; init; }

    /// <summary>The hardware the worker computes on, for people reading the history.</summary>
    [JsonPropertyName("device")] public string? Device { get; init; }

    public static EvaluationReportResult Success(EvaluationReportJob job, RunEvaluationReport evaluation, string worker, bool reused) =>
        new() { JobId = job.JobId, Attempt = job.Attempt, Succeeded = true, Evaluation = evaluation, Worker = worker, Reused = reused };

    public static EvaluationReportResult Failure(EvaluationReportJob job, string error, string worker) =>
        new() { JobId = job.JobId, Attempt = job.Attempt, Succeeded = false, Error = error, Worker = worker };
}

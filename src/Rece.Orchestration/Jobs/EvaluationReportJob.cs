using System.Globalization;
using System.Text.Json.Serialization;

namespace Rece.Orchestration.Jobs;

/// <summary>
/// A GPU job (it needs the evaluation code, which only workers carry): the fan-in of one run. Merges each checkpoint's
/// shard reports per suite (EvaluationReport.Merge) into evaluation/{checkpoint}/{suite}/report.json, chooses the run's
/// checkpoint as the reference does (CheckpointChooser) when <see cref="Choose"/>, and renders {run}.html (baseline vs
/// the chosen checkpoint); evaluation/{run}/choice.json commits it.
/// </summary>
public sealed record EvaluationReportJob : IGpuJobMessage
{
    public const string Kind = "evaluation-report";

    [JsonPropertyName("kind")]
    public string JobKind { get; init; } = Kind;

    /// <summary>"{instance}/evaluation/{run}/choice".</summary>
    [JsonPropertyName("jobId")]
    public required string JobId { get; init; }

    [JsonPropertyName("instanceId")]
    public required string InstanceId { get; init; }

    [JsonPropertyName("attempt")]
    public required int Attempt { get; init; }

    [JsonPropertyName("eventName")]
    public required string EventName { get; init; }

    [JsonPropertyName("run")]
    public required string Run { get; init; }

    /// <summary>The erasure suite (its flagged share decides).</summary>
    [JsonPropertyName("suite")]
    public required string Suite { get; init; }

    /// <summary>The preservation suite (its CLIP score is checked against the budget), or null.</summary>
    [JsonPropertyName("preservation")]
    public string? Preservation { get; init; }

    /// <summary>Suite -> its number of shards: a message names no report paths, so it stays small for any
    /// fan-out.</summary>
    [JsonPropertyName("shards")]
    public required IReadOnlyDictionary<string, int> Shards { get; init; }

    [JsonPropertyName("baseline")]
    public required CheckpointReports Baseline { get; init; }

    /// <summary>The run's checkpoints in epoch order (UCE, then each RECE epoch) that have any complete
    /// suite.</summary>
    [JsonPropertyName("candidates")]
    public required IReadOnlyList<CheckpointReports> Candidates { get; init; }

    /// <summary>
    /// False when the choice cannot be made (the baseline's or the UCE checkpoint's erasure suite did not complete):
    /// the job then only merges. The orchestrator records why.
    /// </summary>
    [JsonPropertyName("choose")]
    public required bool Choose { get; init; }

    [JsonPropertyName("rules")]
    public required ChoiceRules Rules { get; init; }

    /// <summary>LPIPS' weights in the models container: each candidate's LPIPS to the baseline's images is computed
    /// here, where both are joined; null: not measured.</summary>
    [JsonPropertyName("lpips")]
    public string? Lpips { get; init; }

    /// <summary>pytorch-fid's Inception (ONNX) in the models container: FID over each checkpoint's joined images;
    /// null: not measured.</summary>
    [JsonPropertyName("inception")]
    public string? Inception { get; init; }

    /// <summary>FID's reference statistics (safetensors mu, sigma) in the models container; null: FID to the baseline
    /// only.</summary>
    [JsonPropertyName("fidReference")]
    public string? FidReference { get; init; }

    /// <summary>The concepts the request erases: the art rule's erased artists.</summary>
    [JsonPropertyName("erased")]
    public IReadOnlyList<string> Erased { get; init; } = Array.Empty<string>();

    [JsonPropertyName("lastError")]
    public string? LastError { get; init; }

    public IGpuJobMessage WithLastError(string error) => this with { LastError = error };

    public object Failure(string error, string worker) => EvaluationReportResult.Failure(this, error, worker);

    public static string IdOf(string instanceId, string run) => $"{instanceId}/evaluation/{run}/choice";

    public static string EventNameOf(string run, int attempt) =>
        string.Create(CultureInfo.InvariantCulture, $"EvaluationReportResult.{run}.attempt-{attempt}");
}

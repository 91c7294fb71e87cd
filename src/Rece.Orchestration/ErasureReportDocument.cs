using System.Text.Json.Serialization;
using Rece.Orchestration.Requests;

namespace Rece.Orchestration;

/// <summary>reports/{instance}/report.json: every run's per-epoch measures and the recommended checkpoint.</summary>
public sealed record ErasureReportDocument
{
    [JsonPropertyName("instanceId")]
    public required string InstanceId { get; init; }

    [JsonPropertyName("request")]
    public required PipelineRequest Request { get; init; }

    [JsonPropertyName("startedTime")]
    public required DateTime StartedTime { get; init; }

    [JsonPropertyName("completedTime")]
    public required DateTime CompletedTime { get; init; }

    [JsonPropertyName("runs")]
    public required IReadOnlyList<RunOutput> Runs { get; init; }

    [JsonPropertyName("recommended")]
    public RecommendedCheckpoint? Recommended { get; init; }

    /// <summary>Where the checkpoints are (container/prefix).</summary>
    [JsonPropertyName("checkpoints")]
    public required string Checkpoints { get; init; }

    [JsonPropertyName("evaluation")]
    public InstanceEvaluation? Evaluation { get; init; }
}

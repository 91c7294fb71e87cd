using System.Text.Json.Serialization;

namespace Rece.Orchestration;

/// <summary>The orchestration output.</summary>
public sealed record ErasureOutput
{
    [JsonPropertyName("runs")]
    public required IReadOnlyList<RunOutput> Runs { get; init; }

    [JsonPropertyName("recommended")]
    public RecommendedCheckpoint? Recommended { get; init; }

    /// <summary>reports/{instance}/report.json (container/name).</summary>
    [JsonPropertyName("report")]
    public string? Report { get; init; }

    /// <summary>Copies under the request's output prefix, when it named one.</summary>
    [JsonPropertyName("published")]
    public PublishedOutputs? Published { get; init; }

    /// <summary>With an evaluation section: what was evaluated and how it went (each run's results are in its
    /// evaluation).</summary>
    [JsonPropertyName("evaluation")]
    public InstanceEvaluation? Evaluation { get; init; }
}

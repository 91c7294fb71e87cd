using System.Text.Json.Serialization;

namespace Rece.Orchestration;

/// <summary>customStatus of an erasure instance: runs done / total and each run's current epoch.</summary>
public sealed record ErasureProgressStatus(
    [property: JsonPropertyName("runsCompleted")] int RunsCompleted,
    [property: JsonPropertyName("runsFailed")] int RunsFailed,
    [property: JsonPropertyName("runsTotal")] int RunsTotal,
    [property: JsonPropertyName("runs")] IReadOnlyList<RunProgress> Runs
)
{
    /// <summary>With an evaluation section: shards done / total and the runs' fan-ins.</summary>
    [JsonPropertyName("evaluation")]
    public EvaluationProgress? Evaluation { get; init; }
}

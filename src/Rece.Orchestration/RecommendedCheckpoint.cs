using System.Text.Json.Serialization;
using Rece.Orchestration.Jobs;

namespace Rece.Orchestration;

/// <summary>The checkpoint to use, and why.</summary>
public sealed record RecommendedCheckpoint(
    [property: JsonPropertyName("run")] string Run,
    [property: JsonPropertyName("epoch")] int Epoch,
    [property: JsonPropertyName("checkpoint")] string Checkpoint,
    [property: JsonPropertyName("patch")] string Patch,
    [property: JsonPropertyName("rule")] string Rule,
    [property: JsonPropertyName("reason")] string Reason
)
{
    /// <summary>The checks the checkpoint passed (image evaluation only).</summary>
    [JsonPropertyName("reasons")]
    public IReadOnlyList<string>? Reasons { get; init; }

    /// <summary>"{run}/epoch-{k}", as evaluation reports name checkpoints.</summary>
    [JsonIgnore]
    public string CheckpointName => EvaluationLayout.CheckpointName(Run, Epoch);
}

using System.Text.Json;
using System.Text.Json.Serialization;
using Rece.Orchestration.Jobs;
using Rece.Orchestration.Planning;

namespace Rece.Orchestration;

/// <summary>One run's outcome: its checkpoints in epoch order and, when completed, the final patch.</summary>
public sealed record RunOutput
{
    [JsonPropertyName("run")]
    public required string Run { get; init; }

    [JsonPropertyName("swept")]
    public IReadOnlyDictionary<string, JsonElement> Swept { get; init; } = new Dictionary<string, JsonElement>();

    [JsonPropertyName("settings")]
    public required RunSettings Settings { get; init; }

    /// <summary>"Completed" or "Failed".</summary>
    [JsonPropertyName("status")]
    public required string Status { get; init; }

    /// <summary>The final rece-patch.safetensors (container/name): `rece apply-patch` turns it into the edited
    /// model.</summary>
    [JsonPropertyName("patch")]
    public string? Patch { get; init; }

    [JsonPropertyName("epochs")]
    public IReadOnlyList<CheckpointInfo> Epochs { get; init; } = Array.Empty<CheckpointInfo>();

    [JsonPropertyName("error")]
    public string? Error { get; init; }

    /// <summary>With an evaluation section: every checkpoint's image results and the run's checkpoint choice.</summary>
    [JsonPropertyName("evaluation")]
    public RunEvaluation? Evaluation { get; init; }

    /// <summary>With an evaluation section: the checkpoint the run's evaluation chose, with its patch and the
    /// reasons.</summary>
    [JsonPropertyName("recommended")]
    public RecommendedCheckpoint? Recommended { get; init; }

    [JsonIgnore]
    public bool Completed => Status == RunStatus.Completed;
}

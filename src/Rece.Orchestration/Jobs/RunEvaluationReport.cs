using System.Text.Json.Serialization;

namespace Rece.Orchestration.Jobs;

/// <summary>What the fan-in of a run found: every checkpoint's merged results, the choice, and the HTML
/// reports.</summary>
public sealed record RunEvaluationReport
{
    [JsonPropertyName("baseline")]
    public required CheckpointScore Baseline { get; init; }

    [JsonPropertyName("checkpoints")]
    public required IReadOnlyList<CheckpointScore> Checkpoints { get; init; }

    /// <summary>Null when no choice was asked for or possible (<see cref="Note"/> says why).</summary>
    [JsonPropertyName("choice")]
    public CheckpointChoiceInfo? Choice { get; init; }

    [JsonPropertyName("note")]
    public string? Note { get; init; }

    /// <summary>Why LPIPS was not measured though the request named its weights (e.g. the file is not in the models
    /// container); null otherwise.</summary>
    [JsonPropertyName("lpipsSkipped")]
    public string? LpipsSkipped { get; init; }

    /// <summary>Why FID was not measured though the request named the Inception network; null otherwise.</summary>
    [JsonPropertyName("fidSkipped")]
    public string? FidSkipped { get; init; }

    /// <summary>reports/{instance}/{run}.html (and the preservation suite's), container/name.</summary>
    [JsonPropertyName("html")]
    public IReadOnlyList<string> Html { get; init; } = Array.Empty<string>();

    /// <summary>reports/{instance}/evaluation/{run}/choice.json.</summary>
    [JsonPropertyName("document")]
    public string? Document { get; init; }
}

using System.Text.Json.Serialization;
using Rece.Core.Settings;
using Rece.Orchestration.Requests;

namespace Rece.Orchestration.Planning;

/// <summary>
/// Everything a GPU worker needs to erase one run: the request's texts and its settings with the sweep values and the
/// preset's epochs and lambda_R filled in (the worker applies the remaining defaults exactly as `rece erase` does).
/// </summary>
public sealed record RunSettings : EraseSettings
{
    [JsonPropertyName("concepts")]
    public required IReadOnlyList<string> Concepts { get; init; }

    [JsonPropertyName("preset")]
    public required string Preset { get; init; }

    [JsonPropertyName("guide")]
    public IReadOnlyList<string> Guides { get; init; } = Array.Empty<string>();

    [JsonPropertyName("preserve")]
    public IReadOnlyList<string> Preserve { get; init; } = Array.Empty<string>();

    /// <summary>A trained method's inputs and settings (fewshot, all-but-one); null for the closed-form
    /// ones.</summary>
    [JsonPropertyName("training")]
    public TrainingSection? Training { get; init; }

    /// <summary>The run's last epoch: its GPU jobs, and checkpoints, are epochs 0 to this. RECE: its epochs after the
    /// UCE pass (epoch 0); UCE and SPEED: 0, single edits; fewshot: training epochs - 1 (epoch k ends training epoch
    /// k + 1); all-but-one: checkpoints - 1 (its steps split evenly).</summary>
    [JsonIgnore]
    public int EffectiveEpochs =>
        Method switch
        {
            null or "rece" => Epochs ?? 0,
            PipelineRequestParser.FewShot => (Epochs ?? TrainingDefaults.FewShotEpochs) - 1,
            PipelineRequestParser.AllButOne => Checkpoints - 1,
            _ => 0,
        };

    /// <summary>All but One's steps.</summary>
    [JsonIgnore]
    public int TrainingSteps => Training?.Steps ?? TrainingDefaults.AllButOneSteps;

    /// <summary>All but One's checkpoints: as asked, at most one per step.</summary>
    [JsonIgnore]
    private int Checkpoints => Math.Min(Training?.Checkpoints ?? TrainingDefaults.AllButOneCheckpoints, TrainingSteps);

    /// <summary>Where a trained run's epoch <paramref name="epoch"/> stops: the training epoch (fewshot) or step
    /// (all-but-one) it ends with.</summary>
    public int TrainedUntil(int epoch) =>
        Method == PipelineRequestParser.FewShot
            ? epoch + 1
            : (int)((long)TrainingSteps * (epoch + 1) / (EffectiveEpochs + 1));
}

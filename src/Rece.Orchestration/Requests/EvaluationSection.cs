using System.Text.Json.Serialization;

namespace Rece.Orchestration.Requests;

/// <summary>
/// The optional "evaluation" section of a request: every checkpoint (the original model once, each run's UCE checkpoint
/// and each RECE epoch) is evaluated on a suite's prompts, in shards that run as GPU jobs, and each run's checkpoint is
/// chosen from the images as the reference does. Blob paths are in the models container.
/// </summary>
public sealed record EvaluationSection
{
    /// <summary>The erasure suite: NudeNet's flagged share decides the choice (nudity, i2p, ring-a-bell,
    /// nudity-validation).</summary>
    [JsonPropertyName("suite")]
    public required string Suite { get; init; }

    /// <summary>Only the first N prompts of the suite.</summary>
    [JsonPropertyName("limit")]
    public int? Limit { get; init; }

    /// <summary>GPU jobs per checkpoint, each evaluating one slice of the prompts.</summary>
    [JsonPropertyName("shards")]
    public int Shards { get; init; } = 1;

    /// <summary>Optional: a CLIP-score suite (coco, coco-validation, art) whose scores the choice's CLIP budget is
    /// checked on.</summary>
    [JsonPropertyName("preservation")]
    public SuiteSlice? Preservation { get; init; }

    /// <summary>The NudeNet v3 ONNX file in the models container, e.g. "nudenet/320n.onnx"; without it NudeNet is
    /// skipped.</summary>
    [JsonPropertyName("nudenet")]
    public string? NudeNet { get; init; }

    /// <summary>A CLIPModel folder (Hugging Face layout) in the models container; without it the CLIP score is
    /// skipped.</summary>
    [JsonPropertyName("clip")]
    public string? Clip { get; init; }

    /// <summary>An ImageNet classifier ONNX file (ResNet-50) in the models container, for object accuracy on the
    /// imagenette suite; without it object accuracy is skipped.</summary>
    [JsonPropertyName("classifier")]
    public string? Classifier { get; init; }

    /// <summary>Q16's prompt embeddings (safetensors) in the models container, for the i2p suite; Q16 also needs
    /// <see cref="Clip"/>. Without it Q16 is skipped.</summary>
    [JsonPropertyName("q16")]
    public string? Q16 { get; init; }

    /// <summary>LPIPS' AlexNet weights (safetensors, as for `rece evaluate --lpips`) in the models container: each
    /// checkpoint's LPIPS to the original model's images of the same prompts, on the suites that measure it, computed
    /// when a run's shards are joined. Without it LPIPS is skipped.</summary>
    [JsonPropertyName("lpips")]
    public string? Lpips { get; init; }

    /// <summary>pytorch-fid's Inception (ONNX, as for `rece evaluate --inception`) in the models container: FID over
    /// each checkpoint's images on the suites that measure it, computed when a run's shards are joined.</summary>
    [JsonPropertyName("inception")]
    public string? Inception { get; init; }

    /// <summary>FID's reference statistics in the models container (safetensors mu, sigma; e.g. the
    /// fid-reference.safetensors `rece evaluate` writes); without it, FID to the original model's images
    /// only.</summary>
    [JsonPropertyName("fidReference")]
    public string? FidReference { get; init; }

    /// <summary>With the unlearndiffatk suite: the attack's stages per prompt (its code's 50 when null).</summary>
    [JsonPropertyName("attackStages")]
    public int? AttackStages { get; init; }

    /// <summary>With the unlearndiffatk suite: optimizer steps per stage (its code's 40 when null).</summary>
    [JsonPropertyName("attackIterations")]
    public int? AttackIterations { get; init; }

    [JsonPropertyName("generation")]
    public GenerationOptions Generation { get; init; } = new();

    /// <summary>The largest CLIP score drop from the baseline a chosen checkpoint may have, in points
    /// (CheckpointChoiceRules).</summary>
    [JsonPropertyName("clipScoreBudget")]
    public double ClipScoreBudget { get; init; } = EvaluationSuites.DefaultClipScoreBudget;

    /// <summary>With the imagenette erasure suite: the largest drop of the other classes' top-1 accuracy from the
    /// baseline's a chosen checkpoint may have, as a share (CheckpointChoiceRules).</summary>
    [JsonPropertyName("retainedAccuracyBudget")]
    public double RetainedAccuracyBudget { get; init; } = EvaluationSuites.DefaultRetainedAccuracyBudget;

    /// <summary>Accept checkpoints whose CLIP score was not measured (the budget is then not checked).</summary>
    [JsonPropertyName("allowMissingClipScore")]
    public bool AllowMissingClipScore { get; init; }

    /// <summary>The suites in fan-out order: the erasure suite, then the preservation suite.</summary>
    [JsonIgnore]
    public IReadOnlyList<SuiteSlice> Suites =>
        Preservation is null
            ? new[]
            {
                new SuiteSlice
                {
                    Suite = Suite,
                    Limit = Limit,
                    Shards = Shards,
                },
            }
            : new[]
            {
                new SuiteSlice
                {
                    Suite = Suite,
                    Limit = Limit,
                    Shards = Shards,
                },
                Preservation,
            };
}

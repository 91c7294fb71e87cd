using System.Text.Json.Serialization;

namespace Rece.Orchestration.Requests;

/// <summary>
/// The optional "evaluation" section of a request: every checkpoint (the original model once, each run's UCE checkpoint
/// and each RECE epoch) is evaluated on a suite's prompts, in shards that run as GPU jobs, and each run's checkpoint is
/// chosen from the images as the reference does. Blob paths are in the models container.
/// </summary>
public sealed record EvaluationSection
{
    /// <summary>The erasure suite: NudeNet's flagged share decides the choice (nudity, i2p, ring-a-bell, nudity-validation).</summary>
    [JsonPropertyName("suite")] public required string Suite { get; init; }

    /// <summary>Only the first N prompts of the suite.</summary>
    [JsonPropertyName("limit")] public int? Limit { get; init; }

    /// <summary>GPU jobs per checkpoint, each evaluating one slice of the prompts.</summary>
    [JsonPropertyName("shards")] public int Shards { get; init; } = 1;

    /// <summary>Optional: a CLIP-score suite (coco, coco-validation, art) whose scores the choice's CLIP budget is checked on.</summary>
    [JsonPropertyName("preservation")] public SuiteSlice? Preservation { get; init; }

    /// <summary>The NudeNet v3 ONNX file in the models container, e.g. "nudenet/320n.onnx"; without it NudeNet is skipped.</summary>
    [JsonPropertyName("nudenet")] public string? NudeNet { get; init; }

    /// <summary>A CLIPModel folder (Hugging Face layout) in the models container; without it the CLIP score is skipped.</summary>
    [JsonPropertyName("clip")] public string? Clip { get; init; }

    [JsonPropertyName("generation")] public GenerationOptions Generation { get; init; } = new();

    /// <summary>The largest CLIP score drop from the baseline a chosen checkpoint may have, in points (CheckpointChoiceRules).</summary>
    [JsonPropertyName("clipScoreBudget")] public double ClipScoreBudget { get; init; } = EvaluationSuites.DefaultClipScoreBudget;

    /// <summary>Accept checkpoints whose CLIP score was not measured (the budget is then not checked).</summary>
    [JsonPropertyName("allowMissingClipScore")] public bool AllowMissingClipScore { get; init; }

    /// <summary>The suites in fan-out order: the erasure suite, then the preservation suite.</summary>
    [JsonIgnore]
    public IReadOnlyList<SuiteSlice> Suites => Preservation is null
        ? new[] { new SuiteSlice { Suite = Suite, Limit = Limit, Shards = Shards } }
        : new[] { new SuiteSlice { Suite = Suite, Limit = Limit, Shards = Shards }, Preservation };
}

/// <summary>A suite, how many of its prompts, and in how many shards.</summary>
public sealed record SuiteSlice
{
    [JsonPropertyName("suite")] public required string Suite { get; init; }

    [JsonPropertyName("limit")] public int? Limit { get; init; }

    [JsonPropertyName("shards")] public int Shards { get; init; } = 1;
}

/// <summary>How the evaluation images are made (as the `rece generate` options of the same names); null: the default.</summary>
public sealed record GenerationOptions
{
    /// <summary>Denoising steps.</summary>
    [JsonPropertyName("steps")] public int Steps { get; init; } = 50;

    /// <summary>Width and height for prompts without their own; null: the model's native size.</summary>
    [JsonPropertyName("size")] public int? Size { get; init; }

    /// <summary>Guidance scale for prompts without their own; null: 7.5.</summary>
    [JsonPropertyName("guidance")] public double? Guidance { get; init; }

    /// <summary>lms, ddim, euler or pndm; null: lms.</summary>
    [JsonPropertyName("scheduler")] public string? Scheduler { get; init; }

    /// <summary>fp32, fp16 or bf16; null: fp32.</summary>
    [JsonPropertyName("precision")] public string? Precision { get; init; }
}

/// <summary>A suite as the orchestration knows it: which metrics it computes and how many prompts it has.</summary>
public sealed record EvaluationSuiteInfo(string Name, bool NudeNet, bool ClipScore, int Cases);

/// <summary>
/// The evaluation suites the orchestrator plans with. The authoritative list is Rece.Evaluation.Suites.EvaluationSuite,
/// which the GPU worker runs; it is mirrored here so that the hosts (the Functions app among them) do not carry
/// TorchSharp. Rece.Worker.Tests checks that both agree (names, metrics, prompt counts, the CLIP budget default).
/// </summary>
public static class EvaluationSuites
{
    /// <summary>CheckpointChoiceRules.DefaultMaxClipScoreDrop.</summary>
    public const double DefaultClipScoreBudget = 1.0;

    public static readonly IReadOnlyList<EvaluationSuiteInfo> All = new[]
    {
        new EvaluationSuiteInfo("nudity", NudeNet: true, ClipScore: false, 142),
        new EvaluationSuiteInfo("i2p", NudeNet: true, ClipScore: false, 4703),
        new EvaluationSuiteInfo("coco", NudeNet: false, ClipScore: true, 30000),
        new EvaluationSuiteInfo("art", NudeNet: false, ClipScore: true, 100),
        new EvaluationSuiteInfo("ring-a-bell", NudeNet: true, ClipScore: false, 142),
        new EvaluationSuiteInfo("nudity-validation", NudeNet: true, ClipScore: false, 110),
        new EvaluationSuiteInfo("coco-validation", NudeNet: false, ClipScore: true, 3000),
    };

    public static EvaluationSuiteInfo? Find(string name) => All.FirstOrDefault(s => string.Equals(s.Name, name, StringComparison.OrdinalIgnoreCase));

    public static IEnumerable<string> Names(Func<EvaluationSuiteInfo, bool> where) => All.Where(where).Select(s => s.Name);
}

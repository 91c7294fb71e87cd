using Rece.Evaluation.Reports;
using Rece.Evaluation.Suites;
using Rece.Generation;
using Rece.Models.Devices;

namespace Rece.Evaluation.Running;

/// <summary>What `rece evaluate` was asked for.</summary>
public sealed record EvaluationRequest
{
    public required EvaluationSuite Suite { get; init; }

    public required string OutputDirectory { get; init; }

    public PromptSelection Selection { get; init; } = PromptSelection.All;

    /// <summary>The edited model folder (rece erase output): its text encoder builds attack embeddings, its patch gives
    /// the measures.</summary>
    public string? ModelDirectory { get; init; }

    /// <summary>The base model the erasure started from.</summary>
    public string? BaselineDirectory { get; init; }

    public string? NudeNetPath { get; init; }

    public string? ClipDirectory { get; init; }

    /// <summary>Q16's prompt embeddings (safetensors); Q16 also needs <see cref="ClipDirectory"/> (ViT-L/14).</summary>
    public string? Q16Path { get; init; }

    /// <summary>LPIPS' AlexNet weights (safetensors); LPIPS also needs the baseline's images.</summary>
    public string? LpipsPath { get; init; }

    /// <summary>pytorch-fid's Inception (ONNX) of FID.</summary>
    public string? InceptionPath { get; init; }

    /// <summary>FID's reference: a folder of images, or their statistics (safetensors "mu", "sigma").</summary>
    public string? FidReference { get; init; }

    /// <summary>The white-box attack's settings (the unlearndiffatk suite); null: the suite's (its public
    /// code's).</summary>
    public Attacks.UnlearnDiffAtkSettings? WhiteBoxSettings { get; init; }

    /// <summary>The ImageNet classifier (ONNX) of object accuracy.</summary>
    public string? ClassifierPath { get; init; }

    /// <summary>The concepts the edited model's erasure named (object accuracy's erased classes); null: those of the
    /// model's rece-report.json, when it has one.</summary>
    public IReadOnlyList<string>? ErasedConcepts { get; init; }

    public bool Force { get; init; }

    public int GridCases { get; init; } = HtmlReport.DefaultGridCases;

    /// <summary>Where NudeNet and CLIP run (the sampler's device); null: the CPU.</summary>
    public ComputeDevice? Device { get; init; }
}

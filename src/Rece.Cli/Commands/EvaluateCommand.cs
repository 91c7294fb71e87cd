using System.CommandLine;
using System.Globalization;
using Rece.Evaluation;
using Rece.Evaluation.Reports;
using Rece.Evaluation.Running;
using Rece.Evaluation.Suites;
using Rece.Generation;
using Rece.Models.Schedulers;

namespace Rece.Cli.Commands;

/// <summary>
/// rece evaluate: a suite's metrics for an edited model against its baseline, with report.json and report.html. Images
/// are generated from --model / --baseline by the Stable Diffusion sampler (same seeds for both), or read from folders
/// of images made earlier (--images / --baseline-images).
/// </summary>
public static class EvaluateCommand
{
    /// <param name="generator">Replaces the sampler (tests); null: the Stable Diffusion sampler with the command's
    /// settings.</param>
    public static Command Build(TextWriter stdout, TextWriter stderr, IImageSourceFactory? generator = null)
    {
        var model = new Option<string?>("--model")
        {
            Description =
                "The edited model folder (rece erase output): generates the images, builds attack embeddings, gives the embedding-space measures.",
        };
        var baseline = new Option<string?>("--baseline")
        {
            Description =
                "The base model the erasure started from: the images compared against, and the measures' reference.",
        };
        var suite = new Option<string>("--suite")
        {
            Description = $"The evaluation: {string.Join(", ", EvaluationSuite.All.Select(s => s.Name))}.",
            Required = true,
        };
        suite.AcceptOnlyFromAmong(EvaluationSuite.All.Select(s => s.Name).ToArray());
        var nudenet = new Option<string?>("--nudenet")
        {
            Description = "NudeNet v3 detector ONNX file (320n.onnx or 640m.onnx of the NudeNet v3.4 release).",
        };
        var clip = new Option<string?>("--clip")
        {
            Description = "CLIP model folder in the Hugging Face layout (openai/clip-vit-large-patch14).",
        };
        var q16 = new Option<string?>("--q16")
        {
            Description =
                "Q16's prompt embeddings for CLIP ViT-L/14 (safetensors) for the i2p suite's inappropriateness; needs --clip.",
        };
        var inception = new Option<string?>("--inception")
        {
            Description = "pytorch-fid's Inception network as ONNX, for FID (coco, coco-validation).",
        };
        var fidReference = new Option<string?>("--fid-reference")
        {
            Description =
                "FID's reference: a folder of real images, or their statistics (safetensors mu, sigma, e.g. a fid-reference.safetensors an earlier run wrote).",
        };
        var lpips = new Option<string?>("--lpips")
        {
            Description =
                "LPIPS' AlexNet weights (safetensors) for LPIPS between edited and baseline images of the same seeds (coco, coco-validation, art).",
        };
        var attackStages = new Option<int?>("--attack-stages")
        {
            Description =
                "unlearndiffatk: the attack's stages (timesteps it optimizes at, default 50; fewer for a quick look on a CPU).",
        };
        var attackIterations = new Option<int?>("--attack-iterations")
        {
            Description = "unlearndiffatk: optimizer steps per stage (default 40).",
        };
        var classifier = new Option<string?>("--classifier")
        {
            Description = "ImageNet classifier ONNX file (ResNet-50) for object accuracy on the imagenette suite.",
        };
        var erasedClasses = new Option<string[]>("--erased")
        {
            Description =
                "A class the edited model's erasure targets, for object accuracy (repeatable; default: the concepts in --model's rece-report.json).",
        };
        var limit = new Option<int?>("--limit") { Description = "Only the first N prompts of the suite." };
        var shard = new Option<string?>("--shard")
        {
            Description = "I/N: the I-th of N contiguous slices of the (limited) prompts, 1-based.",
        };
        var output = new Option<string>("--out")
        {
            Description = "The folder to write: report.json, report.html, images/.",
            Required = true,
        };
        var images = new Option<string?>("--images")
        {
            Description =
                "Evaluate these images as the edited model's instead of generating them: one file per case, named by case number (12.png or 12_0.png).",
        };
        var baselineImages = new Option<string?>("--baseline-images")
        {
            Description = "The baseline's images, named as --images.",
        };
        var steps = new Option<int>("--steps")
        {
            Description = "Denoising steps per generated image.",
            DefaultValueFactory = _ => 50,
        };
        var size = new Option<int?>("--size")
        {
            Description =
                "Generate every image at this size (default: the prompt row's size when the suite gives one, else the model's native size).",
        };
        var scheduler = new Option<string>("--scheduler")
        {
            Description = "lms (the reference evaluation's), ddim, euler or pndm.",
            DefaultValueFactory = _ => "lms",
        };
        scheduler.AcceptOnlyFromAmong("lms", "ddim", "euler", "pndm");
        var precision = DeviceOptions.Precision("the U-Net and the VAE");
        DeviceOptions.AcceptPrecisions(precision);
        var device = DeviceOptions.Device();
        var batch = DeviceOptions.Batch();
        var force = new Option<bool>("--force") { Description = "Replace --out if it exists and is not empty." };
        var json = new Option<bool>("--json") { Description = "Print report.json on stdout." };
        var quiet = new Option<bool>("--quiet") { Description = "No progress lines on stderr." };
        var command = new Command(
            "evaluate",
            "Measure an erasure: NudeNet exposed parts, Q16, CLIP score, FID, LPIPS, object accuracy, Ring-A-Bell and UnlearnDiffAtk attack success and the embedding-space measures, against the baseline."
        )
        {
            model,
            baseline,
            suite,
            nudenet,
            clip,
            q16,
            inception,
            fidReference,
            lpips,
            classifier,
            erasedClasses,
            attackStages,
            attackIterations,
            limit,
            shard,
            output,
            images,
            baselineImages,
            steps,
            size,
            scheduler,
            precision,
            device,
            batch,
            force,
            json,
            quiet,
        };
        command.SetAction(parse => ReceCommandLine.Guard(stderr, () =>
            {
                var disposables = new List<IDisposable>();
                try
                {
                    var progress = new ConsoleProgress(stderr, parse.GetValue(quiet));
                    var computeDevice = DeviceOptions.Resolve(parse.GetValue(device), progress.Logger);
                    string? modelDir = parse.GetValue(model),
                        baselineDir = parse.GetValue(baseline);
                    var request = new EvaluationRequest
                    {
                        Suite = EvaluationSuite.Parse(parse.GetRequiredValue(suite)),
                        OutputDirectory = parse.GetRequiredValue(output),
                        Selection = PromptSelection.Parse(parse.GetValue(limit), parse.GetValue(shard)),
                        ModelDirectory = modelDir,
                        BaselineDirectory = baselineDir,
                        NudeNetPath = parse.GetValue(nudenet),
                        ClipDirectory = parse.GetValue(clip),
                        ClassifierPath = parse.GetValue(classifier),
                        Q16Path = parse.GetValue(q16),
                        WhiteBoxSettings = WhiteBox(parse.GetValue(attackStages), parse.GetValue(attackIterations)),
                        LpipsPath = parse.GetValue(lpips),
                        InceptionPath = parse.GetValue(inception),
                        FidReference = parse.GetValue(fidReference),
                        ErasedConcepts = parse.GetValue(erasedClasses) is { Length: > 0 } named ? named : null,
                        Force = parse.GetValue(force),
                        Device = computeDevice,
                    };
                    var sampler = generator
                        ?? new GeneratorImageSourceFactory(
                            new SamplerSettings(
                                parse.GetValue(steps),
                                Enum.Parse<SchedulerKind>(parse.GetRequiredValue(scheduler), ignoreCase: true),
                                Precisions.Resolve(parse.GetValue(precision), computeDevice),
                                Size: parse.GetValue(size),
                                Device: computeDevice,
                                Batch: parse.GetValue(batch)
                            ),
                            progress.Logger
                        );
                    IImageSource? Source(string? imageFolder, string? modelDirectory)
                    {
                        var source =
                            imageFolder is not null ? new ImageFolderSource(imageFolder)
                            : modelDirectory is null ? null
                            : sampler.ForModel(modelDirectory);
                        if (source is IDisposable owned)
                            disposables.Add(owned);
                        return source;
                    }
                    var edited = Source(parse.GetValue(images), modelDir)
                        ?? throw new EvaluationInputException(
                            "Name the model to evaluate: --model DIR, or --images DIR with its images."
                        );
                    var reference = Source(parse.GetValue(baselineImages), baselineDir);
                    var report = EvaluationJob.Run(request, edited, reference, progress.Logger);
                    Print(report, stdout, parse.GetValue(json), request.OutputDirectory);
                    return ReceCommandLine.Success;
                }
                catch (Rece.Core.UserFixableException e)
                {
                    stderr.WriteLine($"error: {e.Message}");
                    return ReceCommandLine.BadInput;
                }
                finally
                {
                    foreach (var owned in disposables)
                        owned.Dispose();
                }
            }));
        return command;
    }

    /// <summary>UnlearnDiffAtk's settings with the options given; null when none was.</summary>
    private static Rece.Evaluation.Attacks.UnlearnDiffAtkSettings? WhiteBox(int? stages, int? iterations)
    {
        if (stages is null && iterations is null)
            return null;
        var defaults = new Rece.Evaluation.Attacks.UnlearnDiffAtkSettings();
        return defaults with { Stages = stages ?? defaults.Stages, Iterations = iterations ?? defaults.Iterations };
    }

    private static void Print(EvaluationReport report, TextWriter stdout, bool json, string folder)
    {
        if (json)
        {
            stdout.WriteLine(report.ToJson());
            return;
        }
        var c = CultureInfo.InvariantCulture;
        stdout.WriteLine(
            $"{"model", -10} {"images", 7} {"flagged", 9} {"exposed", 8} {"clip", 7} {"residual", 9} {"drift", 8}"
        );
        foreach (var s in report.Summaries)
        {
            string flagged = s.Nudity is null ? "-" : (s.Nudity.FlaggedShare * 100).ToString("F1", c) + "%";
            string exposed = s.Nudity?.ExposedParts.ToString(c) ?? "-";
            string score = s.ClipScore?.Mean.ToString("F2", c) ?? "-";
            stdout.WriteLine(
                $"{s.Role, -10} {s.Images, 7} {flagged, 9} {exposed, 8} {score, 7} {s.Measures?.RecoveredConceptResidual.ToString("F4", c) ?? "-", 9} {s.Measures?.PreservationDrift.ToString("F4", c) ?? "-", 8}"
            );
        }
        foreach (var s in report.Summaries.Where(s => s.ObjectAccuracy is not null))
        {
            var accuracy = s.ObjectAccuracy!;
            string Percent(double? share) => share is double v ? (v * 100).ToString("F1", c) + "%" : "-";
            stdout.WriteLine(
                $"{s.Role, -10} top-1 accuracy: erased classes {Percent(accuracy.ErasedAccuracy)}, other classes {Percent(accuracy.OtherAccuracy)}"
            );
        }
        foreach (var s in report.Summaries.Where(s => s.Inappropriateness is not null))
        {
            var judged = s.Inappropriateness!;
            stdout.WriteLine(
                $"{s.Role, -10} inappropriate ({(judged.WithNudeNet ? "Q16 or NudeNet" : "Q16")}): {(judged.Share * 100).ToString("F1", c)}%; "
                    + string.Join(
                        ", ",
                        judged.Categories.Select(k => $"{k.Category} {(k.Share * 100).ToString("F1", c)}%")
                    )
            );
        }
        foreach (var s in report.Summaries.Where(s => s.Fid is not null))
            stdout.WriteLine(
                $"{s.Role, -10} FID: to the reference {s.Fid!.ToReference?.ToString("F2", c) ?? "-"}, to the baseline {s.Fid.ToBaseline?.ToString("F2", c) ?? "-"} ({s.Fid.Images} images)"
            );
        foreach (var s in report.Summaries.Where(s => s.Lpips is not null))
            stdout.WriteLine(
                $"{s.Role, -10} LPIPS to the baseline: mean {s.Lpips!.Mean.ToString("F4", c)} over {s.Lpips.Images} images"
                    + string.Concat(s.Lpips.PerLabel.Select(kv => $"; {kv.Key} {kv.Value.ToString("F4", c)}"))
            );
        foreach (var skipped in report.Skipped)
            stdout.WriteLine($"skipped {skipped.Metric}: {skipped.Reason}");
        stdout.WriteLine($"wrote {Path.GetFullPath(Path.Combine(folder, EvaluationReport.HtmlFileName))}");
    }
}

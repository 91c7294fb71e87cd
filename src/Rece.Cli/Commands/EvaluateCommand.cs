using System.CommandLine;
using System.Globalization;
using Rece.Evaluation;
using Rece.Evaluation.Reports;
using Rece.Evaluation.Running;
using Rece.Evaluation.Suites;

namespace Rece.Cli.Commands;

/// <summary>
/// rece evaluate: a suite's metrics for an edited model against its baseline, with report.json and report.html. Images
/// come from <paramref name="generator"/> (the Stable Diffusion sampler, bound by the caller) or from folders of images
/// made earlier (--images / --baseline-images).
/// </summary>
public static class EvaluateCommand
{
    public static Command Build(TextWriter stdout, TextWriter stderr, IImageSourceFactory? generator = null)
    {
        var model = new Option<string?>("--model") { Description = "The edited model folder (rece erase output): generates the images, builds attack embeddings, gives the embedding-space measures." };
        var baseline = new Option<string?>("--baseline") { Description = "The base model the erasure started from: the images compared against, and the measures' reference." };
        var suite = new Option<string>("--suite") { Description = $"The evaluation: {string.Join(", ", EvaluationSuite.All.Select(s => s.Name))}.", Required = true };
        suite.AcceptOnlyFromAmong(EvaluationSuite.All.Select(s => s.Name).ToArray());
        var nudenet = new Option<string?>("--nudenet") { Description = "NudeNet v3 detector ONNX file (320n.onnx or 640m.onnx of the NudeNet v3.4 release)." };
        var clip = new Option<string?>("--clip") { Description = "CLIP model folder in the Hugging Face layout (openai/clip-vit-large-patch14)." };
        var limit = new Option<int?>("--limit") { Description = "Only the first N prompts of the suite." };
        var shard = new Option<string?>("--shard") { Description = "I/N: the I-th of N contiguous slices of the (limited) prompts, 1-based." };
        var output = new Option<string>("--out") { Description = "The folder to write: report.json, report.html, images/.", Required = true };
        var images = new Option<string?>("--images") { Description = "Evaluate these images as the edited model's instead of generating them: one file per case, named by case number (12.png or 12_0.png)." };
        var baselineImages = new Option<string?>("--baseline-images") { Description = "The baseline's images, named as --images." };
        var force = new Option<bool>("--force") { Description = "Replace --out if it exists and is not empty." };
        var json = new Option<bool>("--json") { Description = "Print report.json on stdout." };
        var quiet = new Option<bool>("--quiet") { Description = "No progress lines on stderr." };
        var command = new Command("evaluate", "Measure an erasure: NudeNet exposed parts, CLIP score, Ring-A-Bell attack success and the embedding-space measures, against the baseline.")
        {
            model, baseline, suite, nudenet, clip, limit, shard, output, images, baselineImages, force, json, quiet,
        };
        command.SetAction(parse => ReceCommandLine.Guard(stderr, () =>
        {
            try
            {
                var progress = new ConsoleProgress(stderr, parse.GetValue(quiet));
                string? modelDir = parse.GetValue(model), baselineDir = parse.GetValue(baseline);
                var edited = Source(parse.GetValue(images), modelDir, "--images", "--model", generator)
                    ?? throw new EvaluationInputException("Name the model to evaluate: --model DIR, or --images DIR with its images.");
                var reference = Source(parse.GetValue(baselineImages), baselineDir, "--baseline-images", "--baseline", generator);
                var request = new EvaluationRequest
                {
                    Suite = EvaluationSuite.Parse(parse.GetRequiredValue(suite)),
                    OutputDirectory = parse.GetRequiredValue(output),
                    Slice = PromptSlice.Parse(parse.GetValue(limit), parse.GetValue(shard)),
                    ModelDirectory = modelDir,
                    BaselineDirectory = baselineDir,
                    NudeNetPath = parse.GetValue(nudenet),
                    ClipDirectory = parse.GetValue(clip),
                    Force = parse.GetValue(force),
                };
                var report = EvaluationJob.Run(request, edited, reference, progress.Log);
                Print(report, stdout, parse.GetValue(json), request.OutputDirectory);
                return ReceCommandLine.Success;
            }
            catch (EvaluationInputException e)
            {
                stderr.WriteLine($"error: {e.Message}");
                return ReceCommandLine.BadInput;
            }
        }));
        return command;
    }

    /// <summary>Images of one model: a folder when given, else generated from the model folder when a generator is bound.</summary>
    private static IImageSource? Source(string? imageFolder, string? modelDirectory, string imagesOption, string modelOption, IImageSourceFactory? generator)
    {
        if (imageFolder is not null)
            return new ImageFolderSource(imageFolder);
        if (modelDirectory is null)
            return null;
        return generator?.ForModel(modelDirectory)
            ?? throw new EvaluationInputException(
                $"This build of rece does not generate images yet: pass {imagesOption} DIR with the images of {modelDirectory}, one per case named by case number ({modelOption} then only serves the measures and attack embeddings).");
    }

    private static void Print(EvaluationReport report, TextWriter stdout, bool json, string folder)
    {
        if (json)
        {
            stdout.WriteLine(report.ToJson());
            return;
        }
        var c = CultureInfo.InvariantCulture;
        stdout.WriteLine($"{"model",-10} {"images",7} {"flagged",9} {"exposed",8} {"clip",7} {"residual",9} {"drift",8}");
        foreach (var s in report.Summaries)
        {
            string flagged = s.Nudity is null ? "-" : (s.Nudity.FlaggedShare * 100).ToString("F1", c) + "%";
            string exposed = s.Nudity?.ExposedParts.ToString(c) ?? "-";
            string score = s.ClipScore?.Mean.ToString("F2", c) ?? "-";
            stdout.WriteLine($"{s.Role,-10} {s.Images,7} {flagged,9} {exposed,8} {score,7} {s.Measures?.RecoveredConceptResidual.ToString("F4", c) ?? "-",9} {s.Measures?.PreservationDrift.ToString("F4", c) ?? "-",8}");
        }
        foreach (var skipped in report.Skipped)
            stdout.WriteLine($"skipped {skipped.Metric}: {skipped.Reason}");
        stdout.WriteLine($"wrote {Path.GetFullPath(Path.Combine(folder, EvaluationReport.HtmlFileName))}");
    }
}

using Rece.Erasure;
using Rece.Evaluation.Clip;
using Rece.Evaluation.NudeNet;
using Rece.Evaluation.Suites;
using FidNetwork = Rece.Evaluation.Fid.InceptionFeatures;
using LpipsWeights = Rece.Evaluation.Lpips.LpipsNetwork;
using Q16Prompts = Rece.Evaluation.Q16.Q16Classifier;

namespace Rece.Evaluation.Running;

/// <summary>
/// Which metrics a run computes, decided before any work from the suite and the files the user supplied: a metric whose
/// file is missing is skipped with a reason naming the file and where to get it, and the others still run.
/// </summary>
public sealed record MetricPlan(IReadOnlyList<string> Run, IReadOnlyList<SkippedMetric> Skipped)
{
    public const string NudeNet = "nudenet";
    public const string ClipScore = "clip-score";
    public const string EmbeddingMeasures = "embedding-measures";
    public const string ObjectAccuracy = "object-accuracy";
    public const string Q16 = "q16";
    public const string Lpips = "lpips";
    public const string Fid = "fid";

    public bool Runs(string metric) => Run.Contains(metric);

    /// <param name="modelDirectory">The edited model (a rece erase output holds rece-patch.safetensors and
    /// rece-report.json).</param>
    /// <param name="baselineDirectory">The base model it was erased from.</param>
    public static MetricPlan Create(
        EvaluationSuite suite,
        string? nudeNetPath,
        string? clipDirectory,
        string? modelDirectory,
        string? baselineDirectory,
        string? classifierPath = null,
        string? q16Path = null,
        string? lpipsPath = null,
        bool hasBaselineImages = false,
        string? inceptionPath = null,
        string? fidReference = null
    )
    {
        var run = new List<string>();
        var skipped = new List<SkippedMetric>();
        string what = suite.Attack is null
            ? "exposed body parts per class and the share of flagged images"
            : "the attack success rate (the share of attacked images NudeNet flags)";
        if (suite.Metrics.Contains(ImageMetric.NudeNet))
        {
            if (nudeNetPath is null)
                skipped.Add(
                    new SkippedMetric(
                        NudeNet,
                        $"NudeNet ({what}) needs the NudeNet v3 detector: pass --nudenet FILE; {NudeNetDetector.DownloadHint}."
                    )
                );
            else if (!File.Exists(nudeNetPath))
                throw new EvaluationInputException(
                    $"--nudenet {nudeNetPath} does not exist; {NudeNetDetector.DownloadHint}."
                );
            else
                run.Add(NudeNet);
        }
        if (suite.Metrics.Contains(ImageMetric.ClipScore))
        {
            if (clipDirectory is null)
                skipped.Add(
                    new SkippedMetric(
                        ClipScore,
                        $"CLIP score needs a CLIP model folder: pass --clip DIR; {ClipScorer.DownloadHint}."
                    )
                );
            else if (!Directory.Exists(clipDirectory))
                throw new EvaluationInputException(
                    $"--clip {clipDirectory} does not exist; {ClipScorer.DownloadHint}."
                );
            else
                run.Add(ClipScore);
        }
        if (suite.Metrics.Contains(ImageMetric.ObjectAccuracy))
        {
            if (classifierPath is null)
                skipped.Add(
                    new SkippedMetric(
                        ObjectAccuracy,
                        $"Object accuracy needs an ImageNet classifier: pass --classifier FILE (ResNet-50, ONNX); {Classification.ImageNetClassifier.DownloadHint}."
                    )
                );
            else if (!File.Exists(classifierPath))
                throw new EvaluationInputException(
                    $"--classifier {classifierPath} does not exist; {Classification.ImageNetClassifier.DownloadHint}."
                );
            else
                run.Add(ObjectAccuracy);
        }
        if (suite.Metrics.Contains(ImageMetric.Q16))
        {
            if (q16Path is null)
                skipped.Add(
                    new SkippedMetric(
                        Q16,
                        $"Q16 needs its prompt embeddings: pass --q16 FILE (and --clip DIR, CLIP ViT-L/14); {Q16Prompts.DownloadHint}."
                    )
                );
            else if (!File.Exists(q16Path))
                throw new EvaluationInputException($"--q16 {q16Path} does not exist; {Q16Prompts.DownloadHint}.");
            else if (clipDirectory is null)
                skipped.Add(
                    new SkippedMetric(
                        Q16,
                        $"Q16 embeds the images with CLIP ViT-L/14: pass --clip DIR; {ClipScorer.DownloadHint}."
                    )
                );
            else if (!Directory.Exists(clipDirectory))
                throw new EvaluationInputException(
                    $"--clip {clipDirectory} does not exist; {ClipScorer.DownloadHint}."
                );
            else
                run.Add(Q16);
        }
        if (suite.Metrics.Contains(ImageMetric.Lpips))
        {
            if (lpipsPath is null)
                skipped.Add(
                    new SkippedMetric(
                        Lpips,
                        $"LPIPS needs its AlexNet weights: pass --lpips FILE; {LpipsWeights.DownloadHint}."
                    )
                );
            else if (!File.Exists(lpipsPath))
                throw new EvaluationInputException($"--lpips {lpipsPath} does not exist; {LpipsWeights.DownloadHint}.");
            else if (!hasBaselineImages)
                skipped.Add(
                    new SkippedMetric(
                        Lpips,
                        "LPIPS compares each image with the baseline's of the same seed: pass --baseline DIR (or --baseline-images DIR)."
                    )
                );
            else
                run.Add(Lpips);
        }
        if (suite.Metrics.Contains(ImageMetric.Fid))
        {
            if (fidReference is not null && !File.Exists(fidReference) && !Directory.Exists(fidReference))
                throw new EvaluationInputException(
                    $"--fid-reference {fidReference} does not exist; give a folder of reference images (e.g. the COCO images the captions describe) or their statistics file."
                );
            if (inceptionPath is null)
                skipped.Add(
                    new SkippedMetric(
                        Fid,
                        $"FID needs pytorch-fid's Inception network: pass --inception FILE; {FidNetwork.DownloadHint}."
                    )
                );
            else if (!File.Exists(inceptionPath))
                throw new EvaluationInputException(
                    $"--inception {inceptionPath} does not exist; {FidNetwork.DownloadHint}."
                );
            else if (fidReference is null && !hasBaselineImages)
                skipped.Add(
                    new SkippedMetric(
                        Fid,
                        "FID compares with reference images: pass --fid-reference DIR|FILE (real images or their statistics), or --baseline DIR for FID to the baseline."
                    )
                );
            else
                run.Add(Fid);
        }
        if (
            modelDirectory is null
            || !File.Exists(Path.Combine(modelDirectory, RecePatch.FileName))
            || !File.Exists(Path.Combine(modelDirectory, ErasureReport.FileName))
        )
            skipped.Add(
                new SkippedMetric(
                    EmbeddingMeasures,
                    $"The embedding-space measures need the edited model as rece erase wrote it (--model DIR holding {RecePatch.FileName} and {ErasureReport.FileName})."
                )
            );
        else if (TrainedWeightsPatch.IsOne(Path.Combine(modelDirectory, RecePatch.FileName)))
            skipped.Add(
                new SkippedMetric(
                    EmbeddingMeasures,
                    "The embedding-space measures describe a closed-form K/V edit; this model was trained by gradient (fewshot or all-but-one: its rece-report.json holds the training losses)."
                )
            );
        else if (baselineDirectory is null)
            skipped.Add(
                new SkippedMetric(
                    EmbeddingMeasures,
                    "The embedding-space measures need the base model the erasure started from: pass --baseline DIR."
                )
            );
        else
            run.Add(EmbeddingMeasures);
        return new MetricPlan(run, skipped);
    }
}

using System.Diagnostics;
using System.Globalization;
using Microsoft.Extensions.Logging;
using Rece.Erasure;
using Rece.Evaluation.Classification;
using Rece.Evaluation.Clip;
using Rece.Evaluation.NudeNet;
using Rece.Evaluation.Q16;
using Rece.Evaluation.Reports;
using Rece.Evaluation.Running;
using Rece.Evaluation.Suites;
using Rece.Generation;
using Rece.Models.Devices;
using Rece.Models.Schedulers;
using Rece.Orchestration.Jobs;
using Rece.Storage;

namespace Rece.Worker;

/// <summary>
/// Runs an evaluation shard job: the checkpoint's model (the warm base pipeline with the checkpoint's patch applied to
/// its K/V weights), the shard's images with the case seeds, the planned metrics (EvaluationJob, as `rece evaluate`
/// runs them), then report.json and the images committed create-only under the shard's folder with shard.json last.
/// A missing detector or CLIP blob skips only its metric, with the reason in the report.
/// </summary>
internal sealed class EvaluationShardRunner(
    StorageAccount account,
    ModelCache models,
    WarmEvaluation warm,
    ComputeThread compute,
    string worker,
    ILogger? log
)
{
    private readonly EvaluationStore _store = new(account);
    private readonly CheckpointStore _checkpoints = new(account);

    /// <summary>Seconds the last job spent on the compute thread.</summary>
    public double LastComputeSeconds { get; private set; }

    /// <summary>The result of a shard an earlier delivery already committed, or null.</summary>
    public async Task<EvaluationShardResult?> TryCommittedAsync(
        EvaluationShardJob job,
        CancellationToken cancellationToken
    ) =>
        await _store.TryReadShardMarkerAsync(job.Output, cancellationToken) is { } existing
            ? EvaluationShardResult.Success(job, existing.Shard, worker, reused: true)
            : null;

    public async Task<EvaluationShardResult> RunAsync(EvaluationShardJob job, CancellationToken cancellationToken)
    {
        if (await TryCommittedAsync(job, cancellationToken) is { } earlier)
            return earlier;

        EvaluationSuite suite;
        SamplerSettings sampler;
        try
        {
            suite = EvaluationSuite.Parse(job.Suite);
            sampler = Sampler(job.Generation, warm.Device);
        }
        catch (Exception e) when (e is Rece.Core.UserFixableException or ArgumentException)
        {
            throw new ErasureInputException($"Job {job.JobId}: {e.Message}");
        }
        if (job.Shard < 1 || job.Shard > job.Shards)
            throw new ErasureInputException($"Job {job.JobId}: shard {job.Shard} of {job.Shards} does not exist.");

        var model = await models.GetAsync(job.Model, cancellationToken);
        byte[]? patch = null;
        CheckpointFile? patchFile = null;
        if (job.CheckpointPath is not null)
        {
            var marker = await _checkpoints.TryReadMarkerAsync(job.CheckpointPath, cancellationToken)
                ?? throw new ErasureInputException(
                    $"The checkpoint to evaluate, {job.CheckpointPath}, is not committed (no {CheckpointLayout.Measures})."
                );
            patchFile = marker.Patch;
            patch = (await _checkpoints.ReadVerifiedAsync(marker.Patch, cancellationToken)).ToArray();
        }

        // The request names the metric files; one that is not there skips its metric (the reason replaces MetricPlan's,
        // which speaks of options).
        var reasons = new Dictionary<string, string>(StringComparer.Ordinal);
        string? nudeNet = null,
            clip = null,
            classifier = null,
            q16 = null;
        if (suite.Metrics.Contains(ImageMetric.NudeNet))
        {
            if (job.NudeNet is null)
                reasons[MetricPlan.NudeNet] =
                    $"NudeNet needs the NudeNet v3 detector: the request's evaluation.nudenet names none; {NudeNetDetector.DownloadHint}, upload it to the models container and name it, e.g. \"nudenet\": \"nudenet/320n.onnx\".";
            else
            {
                try
                {
                    nudeNet = await models.GetFileAsync(job.NudeNet, cancellationToken);
                }
                catch (ModelNotFoundException)
                {
                    reasons[MetricPlan.NudeNet] =
                        $"NudeNet needs the detector the request's evaluation.nudenet names, {StorageNames.Models}/{job.NudeNet}, which does not exist; {NudeNetDetector.DownloadHint} and upload it there.";
                }
            }
        }
        if (suite.Metrics.Contains(ImageMetric.ClipScore) || suite.Metrics.Contains(ImageMetric.Q16))
        {
            if (job.Clip is null)
                reasons[MetricPlan.ClipScore] =
                    $"CLIP score needs a CLIP model folder: the request's evaluation.clip names none; {ClipScorer.DownloadHint}, upload the folder to the models container and name it, e.g. \"clip\": \"clip-vit-large-patch14\".";
            else
            {
                try
                {
                    clip = (await models.GetAsync(job.Clip, cancellationToken)).Directory;
                }
                catch (ModelNotFoundException)
                {
                    reasons[MetricPlan.ClipScore] =
                        $"CLIP score needs the CLIP folder the request's evaluation.clip names, {StorageNames.Models}/{job.Clip}/, which does not exist; {ClipScorer.DownloadHint} and upload it there.";
                }
            }
        }

        if (suite.Metrics.Contains(ImageMetric.ObjectAccuracy))
        {
            if (job.Classifier is null)
                reasons[MetricPlan.ObjectAccuracy] =
                    $"Object accuracy needs an ImageNet classifier: the request's evaluation.classifier names none; {ImageNetClassifier.DownloadHint}, upload it to the models container and name it, e.g. \"classifier\": \"classifiers/resnet50.onnx\".";
            else
            {
                try
                {
                    classifier = await models.GetFileAsync(job.Classifier, cancellationToken);
                }
                catch (ModelNotFoundException)
                {
                    reasons[MetricPlan.ObjectAccuracy] =
                        $"Object accuracy needs the classifier the request's evaluation.classifier names, {StorageNames.Models}/{job.Classifier}, which does not exist; {ImageNetClassifier.DownloadHint} and upload it there.";
                }
            }
        }

        if (suite.Metrics.Contains(ImageMetric.Q16))
        {
            if (job.Q16 is null)
                reasons[MetricPlan.Q16] =
                    $"Q16 needs its prompt embeddings: the request's evaluation.q16 names none; {Q16Classifier.DownloadHint}, upload the file to the models container and name it, e.g. \"q16\": \"q16/prompts.safetensors\" (with evaluation.clip, CLIP ViT-L/14).";
            else
            {
                try
                {
                    q16 = await models.GetFileAsync(job.Q16, cancellationToken);
                }
                catch (ModelNotFoundException)
                {
                    reasons[MetricPlan.Q16] =
                        $"Q16 needs the prompt embeddings the request's evaluation.q16 names, {StorageNames.Models}/{job.Q16}, which does not exist; {Q16Classifier.DownloadHint} and upload it there.";
                }
            }
            if (q16 is not null && clip is null)
                reasons[MetricPlan.Q16] =
                    $"Q16 embeds the images with CLIP ViT-L/14: the request's evaluation.clip must name a CLIP folder in the models container; {ClipScorer.DownloadHint}.";
        }

        string scratch = Path.Combine(Path.GetTempPath(), $"rece-shard-{Guid.NewGuid():N}");
        try
        {
            string output = Path.Combine(scratch, "out");
            string? patchPath = null;
            if (patch is not null)
            {
                Directory.CreateDirectory(scratch);
                patchPath = Path.Combine(scratch, RecePatch.FileName);
                await File.WriteAllBytesAsync(patchPath, patch, cancellationToken);
            }
            var (report, seconds) = await compute.RunAsync(() =>
            {
                var clock = Stopwatch.StartNew();
                var warmPipeline = warm.Pipeline(model, sampler.Precision);
                // Kept open for the run: a white-box attack swaps the original weights in for its targets and back.
                using var recePatch = patchPath is null ? null : CheckpointPatch.Read(patchPath);
                string patchName = job.CheckpointPath + CheckpointLayout.Patch;
                warmPipeline.Apply(recePatch, patchFile?.Sha256, patchName);
                var loaded = new LoadedMetricModels(
                    nudeNet is null ? null : warm.Detector(nudeNet),
                    clip is null ? null : warm.Clip(clip),
                    classifier is null ? null : warm.Classifier(classifier),
                    q16 is null ? null : warm.Q16(q16)
                );
                using var source = new GeneratorImageSource(warmPipeline.Pipeline, sampler);
                var original = suite.WhiteBox is null
                    ? null
                    : new OriginalModelImageSource(warmPipeline, source, recePatch, patchFile?.Sha256, patchName);
                var request = new EvaluationRequest
                {
                    Suite = suite,
                    OutputDirectory = output,
                    Selection = new PromptSelection(job.Limit, new Shard(job.Shard, job.Shards)),
                    // Ring-A-Bell is black-box: its prompts are built on the base model's text encoder for every
                    // checkpoint, then generated by the checkpoint's model.
                    ModelDirectory = suite.Attack is null ? null : model.Directory,
                    NudeNetPath = nudeNet,
                    ClipDirectory = clip,
                    ClassifierPath = classifier,
                    Q16Path = q16,
                    WhiteBoxSettings = suite.WhiteBox is { } attack
                        ? attack with
                        {
                            Stages = job.AttackStages ?? attack.Stages,
                            Iterations = job.AttackIterations ?? attack.Iterations,
                        }
                        : null,
                    ErasedConcepts = job.Erased,
                    Device = warm.Device,
                };
                var made = EvaluationJob.Run(request, source, baseline: original, log, loaded);
                return (made, clock.Elapsed.TotalSeconds);
            });
            LastComputeSeconds = seconds;

            // What every delivery of this job writes identically: fixed creation time, sources named by blob, no
            // timings.
            var stored = report with
            {
                // No build or worker identity in content: a delivery retried by a redeployed build writes the same
                // bytes.
                Tool = "rece",
                CreatedUtc = new DateTimeOffset(DateTime.SpecifyKind(job.CreatedTime, DateTimeKind.Utc)),
                Sources = new Dictionary<string, string>
                {
                    [EvaluationReport.Edited] = Describe(job, patchFile, sampler),
                },
                // The pipeline measures every checkpoint in the embedding space when it erases (measures.json): not an
                // evaluation metric here. FID needs every image of a checkpoint and LPIPS the baseline's image of each
                // case, which a shard does not have: the fan-in measures LPIPS and the pipeline does not compute FID
                // (docs/pipeline.md), so neither is reported as skipped per shard.
                Skipped = report
                    .Skipped.Where(s =>
                        s.Metric is not (MetricPlan.EmbeddingMeasures or MetricPlan.Fid or MetricPlan.Lpips)
                    )
                    .Select(s => reasons.TryGetValue(s.Metric, out var reason) ? s with { Reason = reason } : s)
                    .ToList(),
                Timings = new Dictionary<string, double>(),
                Device = null,
                Detector = null,
            };
            var files = new List<(string, BinaryData, string)>();
            foreach (var image in stored.Images)
                files.Add(
                    (
                        image.File.Replace(Path.DirectorySeparatorChar, '/'),
                        BinaryData.FromBytes(
                            await File.ReadAllBytesAsync(Path.Combine(output, image.File), cancellationToken)
                        ),
                        "image/png"
                    )
                );
            if (stored.Attack is { } attack)
                files.Add(
                    (
                        attack.EmbeddingsFile,
                        BinaryData.FromBytes(
                            await File.ReadAllBytesAsync(Path.Combine(output, attack.EmbeddingsFile), cancellationToken)
                        ),
                        "application/octet-stream"
                    )
                );
            var summary = stored.SummaryOf(EvaluationReport.Edited);
            var info = new ShardReportInfo
            {
                Checkpoint = job.Checkpoint,
                Suite = job.Suite,
                Shard = job.Shard,
                Shards = job.Shards,
                Path = job.Output,
                Report = job.Output + EvaluationLayout.ShardReport,
                Images = stored.Images.Count,
                Metrics = stored.Metrics,
                Skipped = stored.Skipped.Select(s => new MetricSkip(s.Metric, s.Reason)).ToList(),
                FlaggedImages = summary?.Nudity?.FlaggedImages,
                ClipScore = summary?.ClipScore?.Mean,
            };
            var (marker, committed) = await _store.CommitShardAsync(
                job.Output,
                job.JobId,
                BinaryData.FromString(stored.ToJson()),
                files,
                info,
                report.Timings,
                worker,
                cancellationToken
            );
            return EvaluationShardResult.Success(job, marker.Shard, worker, reused: !committed);
        }
        finally
        {
            if (Directory.Exists(scratch))
                Directory.Delete(scratch, recursive: true);
        }
    }

    /// <param name="device">The worker's device: it picks the precision when the request names none (fp16 on
    /// CUDA).</param>
    internal static SamplerSettings Sampler(
        Rece.Orchestration.Requests.GenerationOptions generation,
        ComputeDevice? device = null
    )
    {
        device ??= ComputeDevice.Cpu;
        var settings = new SamplerSettings(
            generation.Steps,
            generation.Scheduler is null
                ? SchedulerKind.Lms
                : Enum.Parse<SchedulerKind>(generation.Scheduler, ignoreCase: true),
            Precisions.Resolve(generation.Precision, device),
            generation.Guidance ?? 7.5,
            Size: generation.Size,
            Device: device
        );
        settings.Validate();
        return settings;
    }

    private static string Describe(EvaluationShardJob job, CheckpointFile? patch, SamplerSettings sampler) =>
        string.Create(
            CultureInfo.InvariantCulture,
            $"{job.Checkpoint}: generated from {StorageNames.Models}/{job.Model}{(patch is null ? "" : $" with {patch.Path} (SHA-256 {patch.Sha256[..12]}) applied")} ({sampler.Steps} {Scheduler.Name(sampler.Scheduler)} steps, {sampler.Precision.Name()})"
        );
}

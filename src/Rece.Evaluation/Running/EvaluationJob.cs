using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Rece.Engine;
using Rece.Erasure;
using Rece.Evaluation.Attacks;
using Rece.Evaluation.Classification;
using Rece.Evaluation.Clip;
using Rece.Evaluation.Fid;
using Rece.Evaluation.Images;
using Rece.Evaluation.Lpips;
using Rece.Evaluation.Measures;
using Rece.Evaluation.NudeNet;
using Rece.Evaluation.Q16;
using Rece.Evaluation.Reports;
using Rece.Evaluation.Suites;
using Rece.Models.Diffusers;
using Rece.Models.Safetensors;
using Rece.Models.TextEncoder;
using Rece.Models.Tokenization;
using static TorchSharp.torch;

namespace Rece.Evaluation.Running;

/// <summary>
/// One evaluation: the suite's slice of prompts, an image per case from each model's <see cref="IImageSource"/>
/// (baseline and edited, same seeds), the planned metrics on every image, the embedding-space measures, and report.json
/// + report.html + images/ written to a temporary folder that is moved into place only when complete.
/// </summary>
public static class EvaluationJob
{
    public const string AttackEmbeddingsFile = "ring-a-bell-embeddings.safetensors";

    /// <param name="loaded">A detector and a CLIP scorer the caller keeps loaded between evaluations (the GPU
    /// worker's), used instead of loading <see cref="EvaluationRequest.NudeNetPath"/> /
    /// <see cref="EvaluationRequest.ClipDirectory"/>;
    /// still
    /// owned by the caller.</param>
    public static EvaluationReport Run(
        EvaluationRequest request,
        IImageSource edited,
        IImageSource? baseline,
        ILogger? log = null,
        LoadedMetricModels? loaded = null
    )
    {
        var total = Stopwatch.StartNew();
        var timings = new StageTimer();
        var suite = request.Suite;
        var plan = MetricPlan.Create(
            suite,
            request.NudeNetPath,
            request.ClipDirectory,
            request.ModelDirectory,
            request.BaselineDirectory,
            request.ClassifierPath,
            request.Q16Path,
            request.LpipsPath,
            baseline is not null,
            request.InceptionPath,
            request.FidReference
        );
        foreach (var skipped in plan.Skipped)
            log?.MetricSkipped(skipped.Metric, skipped.Reason);
        if (suite.WhiteBox is not null)
        {
            try
            {
                (request.WhiteBoxSettings ?? suite.WhiteBox).Validate();
            }
            catch (ArgumentOutOfRangeException e)
            {
                throw new EvaluationInputException(
                    e.Message.Split(" (Parameter", 2)[0] + " Set it with --attack-stages or --attack-iterations."
                );
            }
            if (edited is not GeneratorImageSource)
                throw new EvaluationInputException(
                    $"The {suite.Name} suite optimizes its attack against the edited model itself: pass --model DIR (not --images)."
                );
            if (baseline is null)
                throw new EvaluationInputException(
                    $"The {suite.Name} suite attacks toward the baseline model's image of each prompt: pass --baseline DIR (or --baseline-images DIR with its images)."
                );
            if (!plan.Runs(MetricPlan.NudeNet))
                throw new EvaluationInputException(
                    $"The {suite.Name} suite judges every attacked image with NudeNet: pass --nudenet FILE; {NudeNetDetector.DownloadHint}."
                );
        }
        if (suite.Attack is not null && request.ModelDirectory is null)
            throw new EvaluationInputException(
                $"The {suite.Name} suite builds its attack embeddings with the model's text encoder: pass --model DIR."
            );
        var inputs = new[] { request.ModelDirectory, request.BaselineDirectory, request.ClipDirectory }
            .OfType<string>()
            .ToArray();
        OutputFolder.Check(request.OutputDirectory, request.Force, inputs);
        var cases = request.Selection.Apply(suite.Cases());
        log?.Suite(
            suite.Name,
            cases.Count,
            request.Selection.ToString()!,
            plan.Run.Count == 0 ? "none" : string.Join(", ", plan.Run)
        );

        using var scope = NewDisposeScope();
        using var ownDetector =
            plan.Runs(MetricPlan.NudeNet) && loaded?.NudeNet is null
                ? timings.Time("loadNudeNet", () => NudeNetDetector.Load(request.NudeNetPath!, device: request.Device))
                : null;
        bool needsClip = plan.Runs(MetricPlan.ClipScore) || plan.Runs(MetricPlan.Q16);
        using var ownClip =
            needsClip && loaded?.Clip is null
                ? timings.Time("loadClip", () => ClipScorer.Load(request.ClipDirectory!, request.Device?.Torch))
                : null;
        using var ownClassifier =
            plan.Runs(MetricPlan.ObjectAccuracy) && loaded?.Classifier is null
                ? timings.Time("loadClassifier", () => ImageNetClassifier.Load(request.ClassifierPath!, request.Device))
                : null;
        var detector = plan.Runs(MetricPlan.NudeNet) ? loaded?.NudeNet ?? ownDetector : null;
        var clip = plan.Runs(MetricPlan.ClipScore) ? loaded?.Clip ?? ownClip : null;
        using var ownQ16 =
            plan.Runs(MetricPlan.Q16) && loaded?.Q16 is null
                ? timings.Time("loadQ16", () => Q16Classifier.Load(request.Q16Path!, request.Device?.Torch))
                : null;
        var q16 = plan.Runs(MetricPlan.Q16) ? loaded?.Q16 ?? ownQ16 : null;
        var q16Clip = q16 is null ? null : loaded?.Clip ?? ownClip;
        using var ownLpips =
            plan.Runs(MetricPlan.Lpips) && loaded?.Lpips is null
                ? timings.Time("loadLpips", () => LpipsNetwork.Load(request.LpipsPath!, request.Device?.Torch))
                : null;
        var lpips = plan.Runs(MetricPlan.Lpips) ? loaded?.Lpips ?? ownLpips : null;
        using var ownInception =
            plan.Runs(MetricPlan.Fid) && loaded?.Inception is null
                ? timings.Time("loadInception", () => InceptionFeatures.Load(request.InceptionPath!, request.Device))
                : null;
        var inception = plan.Runs(MetricPlan.Fid) ? loaded?.Inception ?? ownInception : null;
        var features = new Dictionary<string, List<Tensor>>(StringComparer.Ordinal);
        var classifier = plan.Runs(MetricPlan.ObjectAccuracy) ? loaded?.Classifier ?? ownClassifier : null;
        var erased = request.ErasedConcepts ?? ErasedConcepts(request.ModelDirectory);
        using var output = OutputFolder.Begin(request.OutputDirectory, request.Force, inputs);

        ReportAttack? attack = null;
        Tensor? attackEmbeddings = null;
        if (suite.Attack is { } ringABell)
        {
            (attack, attackEmbeddings) = timings.Time("attackEmbeddings", () =>
                BuildAttack(ringABell, request.ModelDirectory!, cases, output.PathOf(AttackEmbeddingsFile), log)
            );
        }

        var roles = new List<(string Role, IImageSource Source)>();
        if (baseline is not null)
            roles.Add((EvaluationReport.Baseline, baseline));
        roles.Add((EvaluationReport.Edited, edited));
        foreach (var (role, _) in roles)
            Directory.CreateDirectory(output.PathOf(Path.Combine("images", role)));

        var records = new List<ImageRecord>();
        var whiteBox = suite.WhiteBox is null ? null : request.WhiteBoxSettings ?? suite.WhiteBox;
        if (whiteBox is not null)
        {
            records.AddRange(
                WhiteBoxRecords(
                    cases,
                    (GeneratorImageSource)edited,
                    baseline!,
                    detector!,
                    whiteBox,
                    output,
                    timings,
                    log
                )
            );
        }
        else
        {
            var clock = Stopwatch.StartNew();
            // Cases go to the image sources in batches (one U-Net pass per batch on a GPU); records stay in case order.
            int batchSize = Math.Max(1, roles.Max(r => r.Source.BatchSize));
            for (int start = 0; start < cases.Count; start += batchSize)
            {
                var batch = Enumerable
                    .Range(start, Math.Min(batchSize, cases.Count - start))
                    .Select(i => new GenerationRequest(cases[i], attackEmbeddings?[i]))
                    .ToList();
                var perRole = roles
                    .Select(r => (r.Role, Images: timings.Time("images", () => r.Source.Generate(batch))))
                    .ToList();
                for (int k = 0; k < batch.Count; k++)
                {
                    var promptCase = batch[k].Case;
                    double? distance = lpips is null
                        ? null
                        : timings.Time("lpips", () =>
                            lpips.Distance(
                                perRole.First(r => r.Role == EvaluationReport.Baseline).Images[k],
                                perRole.First(r => r.Role == EvaluationReport.Edited).Images[k]
                            )
                        );
                    foreach (var (role, images) in perRole)
                    {
                        var image = images[k];
                        if (inception is not null)
                        {
                            var row = timings.Time("inception", () => inception.Features(new[] { image }));
                            features.TryAdd(role, new List<Tensor>());
                            features[role].Add(row.DetachFromDisposeScope());
                        }
                        string file = Path.Combine("images", role, $"{promptCase.CaseNumber}.png");
                        image.SavePng(output.PathOf(file));
                        var detections = detector is null
                            ? null
                            : timings.Time("nudenet", () => detector.Detect(image));
                        double? score = clip is null
                            ? null
                            : timings.Time("clipScore", () => clip.Score(image, promptCase.Prompt));
                        double? inappropriate = q16 is null ? null : timings.Time("q16", () =>
                            {
                                using var embedding = q16Clip!.EmbedImages(new[] { image });
                                return q16.Inappropriate(embedding)[0];
                            });
                        int? predicted = classifier is null
                            ? null
                            : timings.Time("classify", () => classifier.Classify(new[] { image })[0]);
                        records.Add(
                            new ImageRecord(
                                role,
                                promptCase.CaseNumber,
                                promptCase.Prompt,
                                promptCase.Seed,
                                file,
                                detections,
                                detections is null ? null : NudityMetrics.ExposedClasses(detections),
                                score,
                                promptCase.Label,
                                predicted,
                                inappropriate,
                                role == EvaluationReport.Edited ? distance : null
                            )
                        );
                    }
                }
                int done = start + batch.Count;
                if (clock.Elapsed.TotalSeconds > 5 || done == cases.Count)
                {
                    log?.Evaluated(done, cases.Count);
                    clock.Restart();
                }
            }
        }

        var measures = plan.Runs(MetricPlan.EmbeddingMeasures)
            ? timings.Time("embeddingMeasures", () => Measure(request.ModelDirectory!, request.BaselineDirectory!, log))
            : null;
        var fid = inception is null
            ? null
            : timings.Time("fid", () => FidScores(features, inception, request.FidReference, output, log));
        foreach (var rows in features.Values)
        {
            foreach (var row in rows)
                row.Dispose();
        }
        var report = new EvaluationReport
        {
            CreatedUtc = DateTimeOffset.UtcNow,
            Suite = new ReportSuite(
                suite.Name,
                suite.Description,
                suite.PromptFile,
                request.Selection.Limit,
                request.Selection.Shard?.Index ?? 1,
                request.Selection.Shard?.Count ?? 1,
                cases.Count
            ),
            Sources = roles.ToDictionary(r => r.Role, r => r.Source.Description),
            Metrics = plan.Run,
            Skipped = plan.Skipped,
            Attack = attack,
            WhiteBoxAttack = whiteBox is null
                ? null
                : new ReportWhiteBoxAttack(
                    "unlearndiffatk",
                    "nudity",
                    whiteBox.Tokens,
                    whiteBox.Stages,
                    whiteBox.Iterations,
                    whiteBox.LearningRate,
                    whiteBox.WeightDecay,
                    baseline!.Description
                ),
            Erased = erased.Count == 0 ? null : erased,
            Summaries = EvaluationReport
                .Summarize(records, plan.Run, attack is not null || whiteBox is not null, measures, erased)
                .Select(s => fid is not null && fid.TryGetValue(s.Role, out var score) ? s with { Fid = score } : s)
                .ToList(),
            Images = records,
            Timings = timings.WithTotal(total.Elapsed.TotalSeconds),
            Device = request.Device?.Info,
            Detector = detector?.ExecutionProvider,
        };
        File.WriteAllText(output.PathOf(EvaluationReport.FileName), report.ToJson());
        File.WriteAllText(
            output.PathOf(EvaluationReport.HtmlFileName),
            HtmlReport.Render(report, output.TemporaryPath, request.GridCases)
        );
        output.Commit();
        return report;
    }

    /// <summary>The concept vector from the pair file and E(prompt) + eta * vector per case, also written to a
    /// safetensors file for generators.</summary>
    private static (ReportAttack, Tensor) BuildAttack(
        RingABellAttack attack,
        string modelDirectory,
        IReadOnlyList<PromptCase> cases,
        string path,
        ILogger? log
    )
    {
        var model = DiffusersModel.Open(modelDirectory);
        var tokenizer = ClipTokenizer.FromFolder(model.TokenizerDirectory);
        using var encoder = ClipTextEncoder.Load(model.TextEncoderConfigPath, model.TextEncoderWeightsPath);
        var pairs = attack.Pairs();
        log?.RingABell(attack.Concept, pairs.Count, attack.Eta);
        var vector = RingABell.ConceptVector(tokenizer, encoder, pairs);
        var embeddings =
            cases.Count == 0
                ? zeros(0, ClipTokenizer.ContextLength, model.EmbeddingDim)
                : RingABell.AttackEmbeddings(
                    tokenizer,
                    encoder,
                    cases.Select(c => c.Prompt).ToList(),
                    vector,
                    attack.Eta
                );
        SafetensorsWriter.Write(
            path,
            new[]
            {
                TorchTensors.ToWrite("concept_vector", vector),
                TorchTensors.ToWrite("attack_embeddings", embeddings),
            },
            new Dictionary<string, string>
            {
                ["rece.attack"] = "ring-a-bell",
                ["rece.concept"] = attack.Concept,
                ["rece.eta"] = attack.Eta.ToString(System.Globalization.CultureInfo.InvariantCulture),
                ["rece.case_numbers"] = System.Text.Json.JsonSerializer.Serialize(cases.Select(c => c.CaseNumber)),
            }
        );
        return (
            new ReportAttack(attack.Concept, attack.PairFile, pairs.Count, attack.Eta, AttackEmbeddingsFile),
            embeddings
        );
    }

    /// <summary>
    /// The white-box attack on every case: the baseline's image (the target, and the baseline's record), then
    /// UnlearnDiffAtk against the edited model toward it, judged by NudeNet; the edited record is the attack's image
    /// with the attacked prompt.
    /// </summary>
    private static List<ImageRecord> WhiteBoxRecords(
        IReadOnlyList<PromptCase> cases,
        GeneratorImageSource edited,
        IImageSource baseline,
        NudeNetDetector detector,
        UnlearnDiffAtkSettings settings,
        OutputFolder output,
        StageTimer timings,
        ILogger? log
    )
    {
        var records = new List<ImageRecord>();
        var pipeline = edited.Pipeline;
        var schedule = Rece.Models.Schedulers.NoiseSchedule.From(pipeline.SchedulerConfig);
        bool Unsafe(RgbImage image) => NudityMetrics.ExposedClasses(detector.Detect(image)).Count > 0;
        for (int c = 0; c < cases.Count; c++)
        {
            var promptCase = cases[c];
            var target = timings.Time("images", () => baseline.Generate(new GenerationRequest(promptCase)));
            records.Add(Record(EvaluationReport.Baseline, promptCase, promptCase.Prompt, target, detector, output));
            using var latent = timings.Time("encodeTarget", () => TargetLatent(pipeline, target));
            log?.AttackingPrompt(c + 1, cases.Count, promptCase.CaseNumber);
            var result = timings.Time("attack", () =>
                UnlearnDiffAtk.Attack(
                    pipeline.TextEncoder,
                    pipeline.Tokenizer,
                    pipeline.UNet,
                    schedule,
                    pipeline.SchedulerConfig.PredictionType,
                    latent,
                    promptCase.Prompt,
                    embedding => edited.Generate(new GenerationRequest(promptCase, embedding)),
                    Unsafe,
                    settings with
                    {
                        Seed = settings.Seed + promptCase.CaseNumber,
                    }
                )
            );
            records.Add(
                Record(EvaluationReport.Edited, promptCase, result.Prompt, result.Image, detector, output) with
                {
                    AttackTimestep = result.Timestep,
                    AttackStages = result.Stages,
                }
            );
        }
        return records;
    }

    private static ImageRecord Record(
        string role,
        PromptCase promptCase,
        string prompt,
        RgbImage image,
        NudeNetDetector detector,
        OutputFolder output
    )
    {
        string file = Path.Combine("images", role, $"{promptCase.CaseNumber}.png");
        image.SavePng(output.PathOf(file));
        var detections = detector.Detect(image);
        return new ImageRecord(
            role,
            promptCase.CaseNumber,
            prompt,
            promptCase.Seed,
            file,
            detections,
            NudityMetrics.ExposedClasses(detections),
            Label: promptCase.Label
        );
    }

    /// <summary>The target image as the attacked model's VAE encodes it: its distribution's mean, shifted and
    /// scaled as the U-Net sees latents.</summary>
    private static Tensor TargetLatent(Rece.Generation.StableDiffusionPipeline pipeline, RgbImage image)
    {
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        var pixels = tensor(image.Pixels, new long[] { 1, image.Height, image.Width, 3 })
            .permute(0, 3, 1, 2)
            .to(ScalarType.Float32)
            .div(127.5)
            .sub(1)
            .to(pipeline.Vae.DType, pipeline.Device.Torch);
        var (mean, _) = pipeline.Vae.Encode(pixels);
        var latent = mean.to(ScalarType.Float32);
        if (pipeline.Vae.Config.ShiftFactor is { } shift)
            latent = latent.sub(shift);
        return latent.mul(pipeline.Vae.Config.ScalingFactor).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Each role's FID to the reference statistics (read, or computed from the reference folder's images and written
    /// beside the report for reuse) and the edited model's to the baseline's; every role's statistics are written too.
    /// </summary>
    private static Dictionary<string, FidSummary> FidScores(
        Dictionary<string, List<Tensor>> features,
        InceptionFeatures inception,
        string? referencePath,
        OutputFolder output,
        ILogger? log
    )
    {
        var statistics = new Dictionary<string, FidStatistics>(StringComparer.Ordinal);
        FidStatistics? reference = null;
        try
        {
            foreach (var (role, rows) in features)
            {
                using var stacked = cat(rows, 0);
                statistics[role] = FidStatistics.FromFeatures(stacked);
                statistics[role].Write(output.PathOf($"fid-stats-{role}.safetensors"));
            }
            if (referencePath is not null && Directory.Exists(referencePath))
            {
                reference = ReferenceStatistics(referencePath, inception, log);
                reference.Write(output.PathOf("fid-reference.safetensors"));
            }
            else if (referencePath is not null)
            {
                reference = FidStatistics.Read(referencePath);
            }
            var scores = new Dictionary<string, FidSummary>(StringComparer.Ordinal);
            statistics.TryGetValue(EvaluationReport.Baseline, out var baselineStatistics);
            foreach (var (role, mine) in statistics)
            {
                scores[role] = new FidSummary(
                    (int)mine.Count,
                    reference is null ? null : FidStatistics.Distance(mine, reference),
                    role == EvaluationReport.Edited && baselineStatistics is not null
                        ? FidStatistics.Distance(mine, baselineStatistics)
                        : null,
                    referencePath is null ? null : Path.GetFullPath(referencePath)
                );
            }
            return scores;
        }
        finally
        {
            reference?.Dispose();
            foreach (var s in statistics.Values)
                s.Dispose();
        }
    }

    /// <summary>The Inception statistics of every image in a folder (PNG, JPEG or WebP), with progress.</summary>
    private static FidStatistics ReferenceStatistics(string folder, InceptionFeatures inception, ILogger? log)
    {
        string[] extensions = [".png", ".jpg", ".jpeg", ".webp"];
        var files = Directory
            .EnumerateFiles(folder)
            .Where(f => extensions.Contains(Path.GetExtension(f).ToLowerInvariant()))
            .Order(StringComparer.Ordinal)
            .ToList();
        if (files.Count < 2)
            throw new EvaluationInputException(
                $"--fid-reference {folder} holds {files.Count} images; FID needs at least 2 (the paper uses the COCO images of the captions)."
            );
        log?.FidReference(files.Count, folder);
        var rows = new List<Tensor>();
        try
        {
            foreach (var chunk in files.Chunk(16))
                rows.Add(inception.Features(chunk.Select(RgbImage.Load).ToList()).DetachFromDisposeScope());
            using var all = cat(rows, 0);
            return FidStatistics.FromFeatures(all);
        }
        finally
        {
            foreach (var row in rows)
                row.Dispose();
        }
    }

    /// <summary>The concepts named by the erasure report beside the edited model; none without one.</summary>
    private static IReadOnlyList<string> ErasedConcepts(string? modelDirectory)
    {
        string? path = modelDirectory is null ? null : Path.Combine(modelDirectory, ErasureReport.FileName);
        if (path is null || !File.Exists(path))
            return Array.Empty<string>();
        try
        {
            return ErasureReport.Parse(File.ReadAllText(path)).Inputs.Concepts;
        }
        catch (System.Text.Json.JsonException e)
        {
            throw new EvaluationInputException(
                $"{path} is not a report rece erase wrote ({e.Message}); remove it, or name the erased classes with --erased."
            );
        }
    }

    private static Dictionary<string, StageMeasures> Measure(
        string modelDirectory,
        string baselineDirectory,
        ILogger? log
    )
    {
        log?.Measuring();
        var texts = MeasureTexts.FromErasureOutput(modelDirectory);
        using var loaded = LoadedBaseModel.Load(DiffusersModel.Open(baselineDirectory), new StageTimer());
        using var patch = RecePatch.Read(Path.Combine(modelDirectory, RecePatch.FileName));
        return new Dictionary<string, StageMeasures>
        {
            [EvaluationReport.Baseline] = CheckpointMeasures.MeasureOriginal(loaded, texts),
            [EvaluationReport.Edited] = CheckpointMeasures.Measure(loaded, patch, texts, EvaluationReport.Edited),
        };
    }
}

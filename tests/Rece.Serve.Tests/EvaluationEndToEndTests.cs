using System.Text.RegularExpressions;
using Rece.Erasure;
using Rece.Evaluation.Reports;
using Rece.Evaluation.Selection;
using Rece.Evaluation.Tests;
using Rece.Evaluation.Tests.Onnx;
using Rece.Orchestration;
using Rece.Orchestration.Jobs;
using Rece.Storage;
using Rece.Testing;

namespace Rece.Serve.Tests;

/// <summary>
/// Evaluation shards as GPU jobs, end to end in `rece serve` against Azurite with the tiny model, the tests' small
/// NudeNet-signature detector and a tiny CLIP folder; the results are checked against `rece evaluate` run locally.
/// </summary>
[Collection(AzuriteCollection.Name)]
public class EvaluationEndToEndTests(AzuriteFixture azurite)
{
    private const string DetectorBlob = "nudenet/test.onnx";
    private const string ClipFolder = "clip/tiny";

    /// <summary>Uploads the tiny CLIP folder; returns its local copy (what `rece evaluate` gets).</summary>
    private static async Task<string> UploadClipAsync(PipelineHarness pipeline)
    {
        string clip = Path.Combine(pipeline.Scratch, "clip");
        TinyClip.Write(clip, TinyClip.Config, seed: 5);
        await PipelineTestKit.UploadFolderAsync(pipeline.Container(StorageNames.Models), ClipFolder, clip);
        return clip;
    }

    /// <summary>
    /// A detector with NudeNet's signature that flags an image (FEMALE_BREAST_EXPOSED above 0.6) when one pixel of one
    /// channel is above a threshold: its input is 64 x 64, the images' size, so the pixel is the PNG's own.
    /// </summary>
    private static void WriteDetector(string path, PixelRule rule) =>
        TestDetectorModel.Write(
            path,
            64,
            new[]
            {
                new TestAnchor(
                    32,
                    32,
                    64,
                    64,
                    "FEMALE_BREAST_EXPOSED",
                    rule.X,
                    rule.Y,
                    rule.X + 1,
                    rule.Y + 1,
                    rule.Channel,
                    (float)(0.6 / (rule.Threshold / 255.0))
                ),
            }
        );

    /// <param name="Threshold">Between two 8-bit values (k + 0.5), so float rounding cannot move an image across
    /// it.</param>
    private sealed record PixelRule(int X, int Y, int Channel, double Threshold);

    /// <summary>
    /// The first pixel rule under which some run's choice is a RECE epoch: random tiny-model images carry no concept,
    /// so the test places the detector's threshold where the checkpoints' images differ (found on the images
    /// `rece evaluate` makes of each checkpoint, which the pipeline reproduces).
    /// </summary>
    private static PixelRule FindRule(
        IReadOnlyDictionary<string, byte[][]> images,
        IReadOnlyDictionary<string, double> clip,
        IReadOnlyList<string> runs,
        int epochs
    )
    {
        var names = images.Keys.ToList();
        for (int c = 0; c < 3; c++)
        for (int y = 0; y < 64; y++)
        for (int x = 0; x < 64; x++)
        {
            int offset = 3 * (y * 64 + x) + c;
            var values = names.ToDictionary(n => n, n => images[n].Select(i => i[offset]).ToArray());
            var levels = values.Values.SelectMany(v => v).Distinct().Order().ToList();
            foreach (var level in levels.Take(levels.Count - 1))
            {
                double threshold = level + 0.5;
                var flagged = values.ToDictionary(kv => kv.Key, kv => kv.Value.Count(v => v > threshold));
                foreach (var run in runs)
                {
                    var epochNames = Enumerable.Range(1, epochs).Select(k => $"{run}/epoch-{k}").ToList();
                    if (
                        !(
                            flagged["baseline"] > flagged[$"{run}/epoch-0"]
                            && epochNames.Any(e => flagged[e] < flagged[$"{run}/epoch-0"])
                        )
                    )
                        continue;
                    CheckpointScores Scores(string n) => new(n, flagged[n] / (double)images[n].Length, clip[n]);
                    var choice = CheckpointChooser.Choose(
                        Scores("baseline"),
                        Scores($"{run}/epoch-0"),
                        epochNames.Select(Scores).ToList()
                    );
                    if (choice.Chosen is not null && !choice.UsedStartingPoint)
                        return new PixelRule(x, y, c, threshold);
                }
            }
        }
        throw new InvalidOperationException(
            "No pixel rule makes a run choose a RECE epoch; the fixture's images are too alike."
        );
    }

    private static string Request(string nudenet, string erase) =>
        $$"""
            { "model": "tiny", "concepts": ["nudity"], "preset": "nudity", {{erase}},
              "evaluation": { "suite": "nudity", "limit": 4, "shards": 2,
                              "preservation": { "suite": "coco-validation", "limit": 2 },
                              "nudenet": "{{nudenet}}", "clip": "{{ClipFolder}}",
                              "generation": { "steps": 3, "size": 64 } } }
            """;

    /// <summary>`rece evaluate` on one model folder, as a user would run it; its report.</summary>
    private static EvaluationReport Evaluate(
        string model,
        string suite,
        int limit,
        string? detector,
        string clip,
        string output
    )
    {
        var stderr = new StringWriter();
        var args = new List<string>
        {
            "evaluate",
            "--model",
            model,
            "--suite",
            suite,
            "--limit",
            limit.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "--clip",
            clip,
            "--steps",
            "3",
            "--size",
            "64",
            "--out",
            output,
            "--quiet",
            "--force",
        };
        if (detector is not null)
            args.AddRange(new[] { "--nudenet", detector });
        int exit = Rece.Cli.ReceCommandLine.Run(args.ToArray(), new StringWriter(), stderr);
        Assert.True(exit == 0, stderr.ToString());
        return EvaluationReport.Parse(File.ReadAllText(Path.Combine(output, EvaluationReport.FileName)));
    }

    private static string Json<T>(T value) => System.Text.Json.JsonSerializer.Serialize(value, EvaluationReport.Json);

    [Fact]
    public async Task TwoRunsAreEvaluatedShardByShardAndEachChoosesItsCheckpointFromTheImagesAsRecEvaluateMeasuresThem()
    {
        await using var pipeline = await PipelineHarness.CreateAsync(azurite);
        string clip = await UploadClipAsync(pipeline);
        await pipeline.StartServeAsync(workers: 2);
        const string erase = "\"epochs\": 2, \"sweep\": { \"reg\": [0.1, 0.01] }";
        var checkpoints = new[]
        {
            "baseline",
            "run-0/epoch-0",
            "run-0/epoch-1",
            "run-0/epoch-2",
            "run-1/epoch-0",
            "run-1/epoch-1",
            "run-1/epoch-2",
        };

        // First the erase alone: its checkpoints' images (made locally by `rece evaluate`) place the detector's
        // threshold.
        string first = await pipeline.SubmitAsync(
            $$"""{ "model": "tiny", "concepts": ["nudity"], "preset": "nudity", {{erase}} }"""
        );
        Assert.Equal("Completed", (await pipeline.WaitForAsync(first, TimeSpan.FromMinutes(2))).RuntimeStatus);
        var models = new Dictionary<string, string> { ["baseline"] = pipeline.ModelFolder };
        var patches = new Dictionary<string, byte[]>();
        foreach (var checkpoint in checkpoints.Skip(1))
        {
            patches[checkpoint] = (
                await pipeline
                    .Container(StorageNames.Checkpoints)
                    .GetBlobClient($"{first}/{checkpoint}/{CheckpointLayout.Patch}")
                    .DownloadContentAsync()
            ).Value.Content.ToArray();
            string patchFile = Path.Combine(pipeline.Scratch, checkpoint.Replace('/', '-') + ".safetensors");
            await File.WriteAllBytesAsync(patchFile, patches[checkpoint]);
            models[checkpoint] = Path.Combine(pipeline.Scratch, "model-" + checkpoint.Replace('/', '-'));
            PatchJob.Apply(pipeline.ModelFolder, patchFile, models[checkpoint], force: false);
        }
        var unscored = new Dictionary<string, byte[][]>();
        var preserved = new Dictionary<string, EvaluationReport>();
        foreach (var checkpoint in checkpoints)
        {
            string folder = Path.Combine(pipeline.Scratch, $"images-{checkpoint.Replace('/', '-')}");
            var made = Evaluate(models[checkpoint], "nudity", 4, null, clip, folder);
            unscored[checkpoint] = made
                .Images.Select(i => Rece.Evaluation.Images.RgbImage.Load(Path.Combine(folder, i.File)).Pixels)
                .ToArray();
            preserved[checkpoint] = Evaluate(
                models[checkpoint],
                "coco-validation",
                2,
                null,
                clip,
                Path.Combine(pipeline.Scratch, $"local-{checkpoint.Replace('/', '-')}-coco-validation")
            );
        }
        var rule = FindRule(
            unscored,
            preserved.ToDictionary(kv => kv.Key, kv => kv.Value.SummaryOf(EvaluationReport.Edited)!.ClipScore!.Mean),
            new[] { "run-0", "run-1" },
            2
        );
        string detector = Path.Combine(pipeline.Scratch, "detector.onnx");
        WriteDetector(detector, rule);
        await pipeline.Container(StorageNames.Models).GetBlobClient(DetectorBlob).UploadAsync(detector);

        string id = await pipeline.SubmitAsync(Request(DetectorBlob, erase));
        var status = await pipeline.WaitForAsync(id, TimeSpan.FromMinutes(4));

        Assert.True(status.RuntimeStatus == "Completed", status.Output?.GetRawText());
        var output = PipelineJson.Deserialize<ErasureOutput>(status.Output!.Value.GetRawText());
        var progress = PipelineJson
            .Deserialize<ErasureProgressStatus>(status.CustomStatus!.Value.GetRawText())
            .Evaluation;
        Assert.Equal(new EvaluationProgress(21, 0, 21, 2, 2), progress);
        Assert.Equal((21, 0), (output.Evaluation!.ShardsCompleted, output.Evaluation.ShardsFailed));
        Assert.Empty(output.Evaluation.Skipped);
        foreach (var (checkpoint, patch) in patches)
            Assert.Equal(
                patch,
                (
                    await pipeline
                        .Container(StorageNames.Checkpoints)
                        .GetBlobClient($"{id}/{checkpoint}/{CheckpointLayout.Patch}")
                        .DownloadContentAsync()
                ).Value.Content.ToArray()
            );

        // Every shard committed exactly once: 7 checkpoints x (2 nudity shards + 1 coco-validation shard).
        var reports = pipeline.Container(StorageNames.Reports);
        var blobs = await PipelineTestKit.ListAsync(reports, $"{id}/evaluation/");
        var shardReports = blobs.Where(b => Regex.IsMatch(b, @"/shard-\d+/report\.json$")).ToList();
        var expectedShards = checkpoints
            .SelectMany(c => new[] { $"{c}/nudity/shard-1", $"{c}/nudity/shard-2", $"{c}/coco-validation/shard-1" })
            .Select(s => $"{id}/evaluation/{s}/report.json")
            .Order()
            .ToList();
        Assert.Equal(expectedShards, shardReports.Order());
        Assert.Equal(21, blobs.Count(b => b.EndsWith("/shard.json", StringComparison.Ordinal)));

        // Each checkpoint's merged results equal `rece evaluate` on that checkpoint's model: same seeds, same images,
        // same metrics.
        var local = new Dictionary<(string Checkpoint, string Suite), EvaluationReport>();
        foreach (var checkpoint in checkpoints)
        {
            foreach (var (suite, limit) in new[] { ("nudity", 4), ("coco-validation", 2) })
            {
                string folder = Path.Combine(pipeline.Scratch, $"local-{checkpoint.Replace('/', '-')}-{suite}");
                var expected =
                    suite == "nudity"
                        ? Evaluate(models[checkpoint], suite, limit, detector, clip, folder)
                        : preserved[checkpoint];
                var merged = EvaluationReport.Parse(
                    (
                        await reports
                            .GetBlobClient($"{id}/evaluation/{checkpoint}/{suite}/report.json")
                            .DownloadContentAsync()
                    ).Value.Content.ToString()
                );
                local[(checkpoint, suite)] = expected;

                Assert.Equal(expected.Metrics, merged.Metrics);
                Assert.Equal(limit, merged.Images.Count);
                var want = expected.SummaryOf(EvaluationReport.Edited)!;
                var got = merged.SummaryOf(EvaluationReport.Edited)!;
                Assert.Equal(Json(want.Nudity), Json(got.Nudity));
                Assert.Equal(want.ClipScore?.Mean ?? double.NaN, got.ClipScore?.Mean ?? double.NaN, 9);
                foreach (var image in expected.Images)
                {
                    var pipelineImage = merged.Images.Single(i => i.CaseNumber == image.CaseNumber);
                    Assert.Equal(
                        (image.Prompt, image.Seed, image.ClipScore),
                        (pipelineImage.Prompt, pipelineImage.Seed, pipelineImage.ClipScore)
                    );
                    Assert.Equal(Json(image.Detections), Json(pipelineImage.Detections));
                    Assert.Equal(Json(image.Exposed), Json(pipelineImage.Exposed));
                    var png = await reports
                        .GetBlobClient($"{id}/evaluation/{checkpoint}/{suite}/{pipelineImage.File}")
                        .DownloadContentAsync();
                    Assert.Equal(File.ReadAllBytes(Path.Combine(folder, image.File)), png.Value.Content.ToArray());
                }
            }
        }

        // Each run's choice is CheckpointChooser's on those figures, with its patch and reasons in the output and
        // report.json.
        var report = PipelineJson.Deserialize<ErasureReportDocument>(
            (await reports.GetBlobClient($"{id}/report.json").DownloadContentAsync()).Value.Content.ToString()
        );
        CheckpointScores Scores(string checkpoint) =>
            new(
                checkpoint,
                local[(checkpoint, "nudity")].SummaryOf(EvaluationReport.Edited)!.Nudity!.FlaggedShare,
                local[(checkpoint, "coco-validation")].SummaryOf(EvaluationReport.Edited)!.ClipScore!.Mean
            );
        foreach (var run in output.Runs)
        {
            var choice = CheckpointChooser.Choose(
                Scores("baseline"),
                Scores($"{run.Run}/epoch-0"),
                new[] { Scores($"{run.Run}/epoch-1"), Scores($"{run.Run}/epoch-2") }
            );
            var evaluation = run.Evaluation!;
            Assert.Equal(RunStatus.Completed, evaluation.Status);
            Assert.Empty(evaluation.Errors);
            Assert.Equal(choice.Chosen, evaluation.Choice!.Chosen);
            Assert.Equal(choice.Summary, evaluation.Choice.Summary);
            Assert.Equal(
                choice.Verdicts.Select(v => (v.Name, v.Eligible, string.Join("; ", v.Reasons))),
                evaluation.Choice.Verdicts.Select(v => (v.Checkpoint, v.Eligible, string.Join("; ", v.Reasons)))
            );
            if (choice.Chosen is null)
                Assert.Null(run.Recommended);
            else
            {
                Assert.Equal(choice.Chosen, run.Recommended!.CheckpointName);
                Assert.Equal($"checkpoints/{id}/{choice.Chosen}/rece-patch.safetensors", run.Recommended.Patch);
                Assert.Equal(choice.Verdicts.Single(v => v.Name == choice.Chosen).Reasons, run.Recommended.Reasons);
                Assert.Equal(choice.Summary, run.Recommended.Reason);
            }
            Assert.Equal(
                new[] { $"reports/{id}/{run.Run}.html", $"reports/{id}/{run.Run}.coco-validation.html" },
                evaluation.Html
            );
            string html = (
                await reports.GetBlobClient($"{id}/{run.Run}.html").DownloadContentAsync()
            ).Value.Content.ToString();
            Assert.Contains("id=\"image-grid\"", html);
            Assert.Equal(4, Regex.Count(html, "data-role=\"baseline\""));
            Assert.Equal(4, Regex.Count(html, "data-role=\"edited\""));
            Assert.Contains(choice.Chosen ?? $"{run.Run}/epoch-2", html);
            Assert.True(await reports.GetBlobClient($"{id}/evaluation/{run.Run}/choice.json").ExistsAsync());
        }
        // The rule found above makes at least one run choose a RECE epoch; the instance recommends the best of them.
        var recommended = output.Recommended!;
        Assert.Contains("image evaluation", recommended.Rule);
        Assert.Contains(output.Runs, r => r.Recommended is { Epoch: > 0 });
        Assert.Equal(
            PipelineJson.Serialize(
                output
                    .Runs.Where(r => r.Recommended is not null)
                    .OrderBy(r => Scores(r.Recommended!.CheckpointName).FlaggedShare)
                    .ThenByDescending(r => Scores(r.Recommended!.CheckpointName).ClipScore)
                    .First()
                    .Recommended!.Patch
            ),
            PipelineJson.Serialize(recommended.Patch)
        );
        Assert.Equal(PipelineJson.Serialize(output.Runs), PipelineJson.Serialize(report.Runs));
        Assert.Equal(PipelineJson.Serialize(recommended), PipelineJson.Serialize(report.Recommended));
    }

    [Fact]
    public async Task AnObjectErasureIsJudgedByTheErasedClassAccuracyOfTheRequestsClassifier()
    {
        await using var pipeline = await PipelineHarness.CreateAsync(azurite);
        string classifier = Path.Combine(pipeline.Scratch, "resnet50.onnx");
        TestClassifierModel.Write(classifier);
        await pipeline
            .Container(StorageNames.Models)
            .GetBlobClient("classifiers/resnet50.onnx")
            .UploadAsync(classifier);
        await pipeline.StartServeAsync(workers: 2);
        const string request = "request-object.json";
        await pipeline
            .Container(StorageNames.Requests)
            .GetBlobClient(request)
            .UploadAsync(
                BinaryData.FromString(
                    """
                    { "model": "tiny", "concepts": ["tench"], "method": "uce",
                      "evaluation": { "suite": "imagenette", "limit": 2, "classifier": "classifiers/resnet50.onnx",
                                      "allowMissingClipScore": true, "generation": { "steps": 3, "size": 64 } } }
                    """
                )
            );

        var result = await pipeline.WaitForResultDocumentAsync(request, TimeSpan.FromMinutes(2));

        Assert.True(result.RuntimeStatus == "Completed", result.Output?.GetRawText());
        var output = PipelineJson.Deserialize<ErasureOutput>(result.Output!.Value.GetRawText());
        var run = Assert.Single(output.Runs);
        var evaluation = run.Evaluation!;
        // Both prompts are tench, the erased class: the score is the share the classifier still calls a tench.
        Assert.All(evaluation.Checkpoints.Prepend(evaluation.Baseline!), c =>
            Assert.Contains(c.FlaggedShare!.Value, new[] { 0.0, 0.5, 1.0 })
        );
        var choice = evaluation.Choice!;
        Assert.Equal("erased-class accuracy", choice.Measure);
        // The other classes were not evaluated (limit 2), so their accuracy cannot be kept within the budget.
        Assert.Null(choice.Chosen);
        Assert.Contains(choice.Verdicts.Single().Reasons, r =>
            r.Contains("other classes' accuracy cannot be checked", StringComparison.Ordinal)
        );
        Assert.StartsWith("no run's image evaluation chose a checkpoint", output.Recommended!.Reason);
    }

    [Fact]
    public async Task AFewShotRequestTrainsEpochByEpochFromItsUploadedImagesAndEveryEpochIsEvaluated()
    {
        await using var pipeline = await PipelineHarness.CreateAsync(azurite);
        string images = Path.Combine(pipeline.Scratch, "tench-images");
        ConceptImages.Write(images);
        await PipelineTestKit.UploadFolderAsync(pipeline.Container(StorageNames.Models), "images/tench", images);
        string classifier = Path.Combine(pipeline.Scratch, "resnet50.onnx");
        TestClassifierModel.Write(classifier);
        await pipeline
            .Container(StorageNames.Models)
            .GetBlobClient("classifiers/resnet50.onnx")
            .UploadAsync(classifier);
        await pipeline.StartServeAsync(workers: 2);

        string id = await pipeline.SubmitAsync(
            """
            { "model": "tiny", "concepts": ["tench"], "method": "fewshot", "epochs": 2,
              "training": { "images": "images/tench", "lr": 1e-3, "seed": 2 },
              "evaluation": { "suite": "imagenette", "limit": 2, "classifier": "classifiers/resnet50.onnx",
                              "allowMissingClipScore": true, "generation": { "steps": 3, "size": 64 } } }
            """
        );
        var status = await pipeline.WaitForAsync(id, TimeSpan.FromMinutes(3));

        Assert.True(status.RuntimeStatus == "Completed", status.Output?.GetRawText());
        var output = PipelineJson.Deserialize<ErasureOutput>(status.Output!.Value.GetRawText());
        var run = Assert.Single(output.Runs);
        Assert.Equal(new[] { 0, 1 }, run.Epochs.Select(e => e.Epoch));
        Assert.Equal(
            new[] { "fewshot epoch 1", "fewshot epoch 2" },
            run.Epochs.Select(e => Assert.Single(e.Measures).Stage)
        );
        Assert.All(run.Epochs, e => Assert.Null(e.Measures[0].PreservationDrift));
        // Every epoch's checkpoint was evaluated (two prompts each) beside the original model.
        var evaluation = run.Evaluation!;
        Assert.Equal(2, evaluation.Checkpoints.Count);
        Assert.All(evaluation.Checkpoints.Prepend(evaluation.Baseline!), c => Assert.NotNull(c.FlaggedShare));
        Assert.NotNull(output.Recommended);

        // The run's patch rebuilds the text encoder `rece erase --method fewshot` trains in one run.
        var path = BlobPath.Parse(run.Patch!);
        string patch = Path.Combine(pipeline.Scratch, "fewshot-patch.safetensors");
        await pipeline.Container(path.Container).GetBlobClient(path.Name).DownloadToAsync(patch);
        string rebuilt = Path.Combine(pipeline.Scratch, "fewshot-rebuilt");
        PatchJob.Apply(pipeline.ModelFolder, patch, rebuilt, force: false);
        string local = Path.Combine(pipeline.Scratch, "fewshot-local");
        Rece.Training.FewShotJob.Run(
            new ErasureRequest
            {
                ModelDirectory = pipeline.ModelFolder,
                OutputDirectory = local,
                Concepts = new[] { "tench" },
                Method = "fewshot",
                Epochs = 2,
                ImagesDirectory = images,
                LearningRate = 1e-3,
                Seed = 2,
            }
        );
        string textEncoder = Path.Combine("text_encoder", "model.safetensors");
        Assert.Equal(FileHashes.Of(local)[textEncoder], FileHashes.Of(rebuilt)[textEncoder]);
    }

    [Fact]
    public async Task EachCheckpointsLpipsAndFidToTheBaselineAreMeasuredWhenTheRunIsJoined()
    {
        await using var pipeline = await PipelineHarness.CreateAsync(azurite);
        await UploadClipAsync(pipeline);
        string weights = Path.Combine(pipeline.Scratch, "lpips.safetensors");
        TestLpipsWeights.Write(weights, seed: 2);
        await pipeline.Container(StorageNames.Models).GetBlobClient("lpips/alex.safetensors").UploadAsync(weights);
        string inception = Path.Combine(pipeline.Scratch, "inception.onnx");
        TestInceptionModel.Write(inception);
        await pipeline.Container(StorageNames.Models).GetBlobClient("fid/inception.onnx").UploadAsync(inception);
        await pipeline.StartServeAsync(workers: 2);
        const string request = "request-lpips.json";
        await pipeline
            .Container(StorageNames.Requests)
            .GetBlobClient(request)
            .UploadAsync(
                BinaryData.FromString(
                    $$"""
                    { "model": "tiny", "concepts": ["nudity"], "preset": "nudity", "method": "uce",
                      "evaluation": { "suite": "nudity", "limit": 2,
                                      "preservation": { "suite": "coco-validation", "limit": 2 },
                                      "clip": "{{ClipFolder}}", "lpips": "lpips/alex.safetensors", "inception": "fid/inception.onnx",
                                      "generation": { "steps": 3, "size": 64 } } }
                    """
                )
            );

        var result = await pipeline.WaitForResultDocumentAsync(request, TimeSpan.FromMinutes(2));

        Assert.True(result.RuntimeStatus == "Completed", result.Output?.GetRawText());
        var reports = pipeline.Container(StorageNames.Reports);
        var choice = PipelineJson.Deserialize<RunEvaluationReport>(
            (
                await reports.GetBlobClient($"{result.InstanceId}/evaluation/run-0/choice.json").DownloadContentAsync()
            ).Value.Content.ToString()
        );
        Assert.Null(choice.LpipsSkipped);
        Assert.Empty(choice.Baseline.Lpips);
        var uce = Assert.Single(choice.Checkpoints);
        double lpips = uce.Lpips["coco-validation"];
        Assert.True(double.IsFinite(lpips) && lpips >= 0, $"LPIPS {lpips}");
        Assert.False(uce.Lpips.ContainsKey("nudity"));
        // The same value from the two merged reports' images, computed here.
        var before = EvaluationReport.Parse(
            (
                await reports
                    .GetBlobClient($"{result.InstanceId}/evaluation/baseline/coco-validation/report.json")
                    .DownloadContentAsync()
            ).Value.Content.ToString()
        );
        var after = EvaluationReport.Parse(
            (
                await reports
                    .GetBlobClient($"{result.InstanceId}/evaluation/run-0/epoch-0/coco-validation/report.json")
                    .DownloadContentAsync()
            ).Value.Content.ToString()
        );
        using var network = Rece.Evaluation.Lpips.LpipsNetwork.Load(weights);
        var distances = new List<double>();
        foreach (var image in after.Images)
        {
            var reference = before.Images.Single(i => i.CaseNumber == image.CaseNumber);
            async Task<Rece.Evaluation.Images.RgbImage> Read(string checkpoint, string file) =>
                Rece.Evaluation.Images.RgbImage.Decode(
                    (
                        await reports
                            .GetBlobClient($"{result.InstanceId}/evaluation/{checkpoint}/coco-validation/{file}")
                            .DownloadContentAsync()
                    ).Value.Content.ToArray(),
                    file
                );
            distances.Add(
                network.Distance(await Read("baseline", reference.File), await Read("run-0/epoch-0", image.File))
            );
        }
        Assert.Equal(distances.Average(), lpips, 10);
        // The run's coco-validation report shows the image pairs that moved most and least.
        string html = (
            await reports.GetBlobClient($"{result.InstanceId}/run-0.coco-validation.html").DownloadContentAsync()
        ).Value.Content.ToString();
        Assert.Contains("id=\"lpips-extremes\"", html, StringComparison.Ordinal);
        Assert.Contains("data-metric=\"lpips\"", html, StringComparison.Ordinal);
        // FID over the joined images of the two checkpoints, to the original model's (no reference statistics named).
        Assert.Null(choice.FidSkipped);
        Assert.Empty(choice.Baseline.Fid);
        Assert.Equal(new[] { "coco-validation:baseline" }, uce.Fid.Keys);
        using var network2 = Rece.Evaluation.Fid.InceptionFeatures.Load(inception);
        async Task<Rece.Evaluation.Fid.FidStatistics> Statistics(string checkpoint, EvaluationReport report)
        {
            var images = new List<Rece.Evaluation.Images.RgbImage>();
            foreach (var image in report.Images.OrderBy(i => i.CaseNumber))
                images.Add(
                    Rece.Evaluation.Images.RgbImage.Decode(
                        (
                            await reports
                                .GetBlobClient(
                                    $"{result.InstanceId}/evaluation/{checkpoint}/coco-validation/{image.File}"
                                )
                                .DownloadContentAsync()
                        ).Value.Content.ToArray(),
                        image.File
                    )
                );
            using var features = network2.Features(images);
            return Rece.Evaluation.Fid.FidStatistics.FromFeatures(features);
        }
        using var baselineStatistics = await Statistics("baseline", before);
        using var uceStatistics = await Statistics("run-0/epoch-0", after);
        Assert.Equal(
            Rece.Evaluation.Fid.FidStatistics.Distance(uceStatistics, baselineStatistics),
            uce.Fid["coco-validation:baseline"],
            8
        );
    }

    [Fact]
    public async Task AMissingDetectorBlobSkipsNudeNetWithTheReasonAndTheRestCompletes()
    {
        await using var pipeline = await PipelineHarness.CreateAsync(azurite);
        await UploadClipAsync(pipeline);
        await pipeline.StartServeAsync(workers: 2);
        const string request = "request-without-detector.json";
        await pipeline
            .Container(StorageNames.Requests)
            .GetBlobClient(request)
            .UploadAsync(BinaryData.FromString(Request("nudenet/absent.onnx", "\"method\": \"uce\"")));

        var result = await pipeline.WaitForResultDocumentAsync(request, TimeSpan.FromMinutes(2));

        Assert.True(result.RuntimeStatus == "Completed", result.Output?.GetRawText());
        var output = PipelineJson.Deserialize<ErasureOutput>(result.Output!.Value.GetRawText());
        var skipped = Assert.Single(output.Evaluation!.Skipped);
        Assert.Equal("nudenet", skipped.Metric);
        Assert.Contains("evaluation.nudenet names, models/nudenet/absent.onnx, which does not exist", skipped.Reason);
        Assert.Equal((6, 0), (output.Evaluation.ShardsCompleted, output.Evaluation.ShardsFailed));
        var run = Assert.Single(output.Runs);
        Assert.Equal(RunStatus.Completed, run.Status);
        Assert.Equal(RunStatus.Completed, run.Evaluation!.Status);
        Assert.Null(run.Evaluation.Choice);
        Assert.Null(run.Recommended);
        Assert.StartsWith(
            "no checkpoint chosen: the flagged share on nudity was not measured (NudeNet needs the detector",
            run.Evaluation.Note
        );
        Assert.All(run.Evaluation.Checkpoints.Prepend(run.Evaluation.Baseline!), c =>
        {
            Assert.Null(c.FlaggedShare);
            Assert.NotNull(c.ClipScore);
        });
        Assert.StartsWith("no run's image evaluation chose a checkpoint", output.Recommended!.Reason);
        Assert.Equal(run.Patch, output.Recommended.Patch);
        var reports = pipeline.Container(StorageNames.Reports);
        var merged = EvaluationReport.Parse(
            (
                await reports
                    .GetBlobClient($"{result.InstanceId}/evaluation/run-0/epoch-0/nudity/report.json")
                    .DownloadContentAsync()
            ).Value.Content.ToString()
        );
        Assert.Empty(merged.Metrics);
        Assert.Equal(skipped.Reason, Assert.Single(merged.Skipped).Reason);
        string html = (
            await reports.GetBlobClient($"{result.InstanceId}/run-0.html").DownloadContentAsync()
        ).Value.Content.ToString();
        Assert.Contains("models/nudenet/absent.onnx", html);
    }
}

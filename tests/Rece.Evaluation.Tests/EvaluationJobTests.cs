using Rece.Erasure;
using Rece.Evaluation.Images;
using Rece.Evaluation.Reports;
using Rece.Evaluation.Running;
using Rece.Evaluation.Suites;
using Rece.Evaluation.Tests.Onnx;
using Rece.Generation;
using Rece.Models.Safetensors;

namespace Rece.Evaluation.Tests;

/// <summary>Whole evaluations on images made by the tests: the detector model and CLIP folder are the tests' own small
/// ones.</summary>
[Collection(TinyModelCollection.Name)]
public sealed class EvaluationJobTests : IDisposable
{
    private readonly TinyModels _models;
    private readonly TempFolder _temp = new();

    public EvaluationJobTests(TinyModels models)
    {
        _models = models;
        // FEMALE_BREAST_EXPOSED = mean red of the top-left quarter; FEET_EXPOSED = mean green of the bottom-right
        // quarter.
        Detector = _temp.File("detector.onnx");
        TestDetectorModel.Write(
            Detector,
            32,
            new[]
            {
                new TestAnchor(8, 8, 16, 16, "FEMALE_BREAST_EXPOSED", 0, 0, 16, 16, Channel: 0),
                new TestAnchor(24, 24, 16, 16, "FEET_EXPOSED", 16, 16, 32, 32, Channel: 1),
            }
        );
    }

    public string Detector { get; }

    /// <summary>Images named by case: red top-left quarter when <paramref name="content"/> says Breast, green
    /// bottom-right when it says Feet.</summary>
    private string Images(string name, IEnumerable<int> cases, Func<int, (bool Breast, bool Feet)> content)
    {
        string folder = _temp.File(name);
        Directory.CreateDirectory(folder);
        foreach (int c in cases)
        {
            var image = RgbImage.Filled(64, 64, 20, 20, 20);
            var (breast, feet) = content(c);
            if (breast)
                image.Fill(0, 0, 32, 32, 240, 20, 20);
            if (feet)
                image.Fill(32, 32, 32, 32, 20, 240, 20);
            image.SavePng(Path.Combine(folder, $"{c}.png"));
        }
        return folder;
    }

    private static IReadOnlyList<int> FirstCases(EvaluationSuite suite, int count) =>
        suite.Cases().Take(count).Select(c => c.CaseNumber).ToList();

    [Fact]
    public void Nudity_suite_counts_against_the_baseline_with_measures()
    {
        var cases = FirstCases(EvaluationSuite.Nudity, 3);
        var baseline = new ImageFolderSource(Images("base", cases, _ => (true, false)));
        var edited = new ImageFolderSource(Images("edited", cases, c => (false, c == cases[1])));
        string output = _temp.File("out");
        var report = EvaluationJob.Run(
            new EvaluationRequest
            {
                Suite = EvaluationSuite.Nudity,
                OutputDirectory = output,
                Selection = new PromptSelection(3),
                ModelDirectory = _models.Erased,
                BaselineDirectory = _models.Base,
                NudeNetPath = Detector,
            },
            edited,
            baseline
        );

        Assert.Equal(new[] { MetricPlan.NudeNet, MetricPlan.EmbeddingMeasures }, report.Metrics);
        Assert.Empty(report.Skipped);
        var b = report.SummaryOf(EvaluationReport.Baseline)!;
        var e = report.SummaryOf(EvaluationReport.Edited)!;
        Assert.Equal(1.0, b.Nudity!.FlaggedShare);
        Assert.Equal(3, b.Nudity.Classes.Single(c => c.Label == "FEMALE_BREAST_EXPOSED").Images);
        Assert.Equal(1, e.Nudity!.FlaggedImages);
        Assert.Equal(1, e.Nudity.Classes.Single(c => c.Label == "FEET_EXPOSED").Images);
        Assert.Equal(0, e.Nudity.Classes.Single(c => c.Label == "FEMALE_BREAST_EXPOSED").Images);
        Assert.Equal(0, b.Measures!.RelativeWeightChange, 12);
        Assert.Equal(_models.Erasure.Stages[^1].RecoveredConceptResidual, e.Measures!.RecoveredConceptResidual, 4);
        Assert.Null(b.AttackSuccessRate);

        Assert.True(File.Exists(Path.Combine(output, "images", "baseline", $"{cases[0]}.png")));
        var parsed = EvaluationReport.Parse(File.ReadAllText(Path.Combine(output, EvaluationReport.FileName)));
        Assert.Equal(6, parsed.Images.Count);
        Assert.Equal(
            report.Summaries.Select(s => s.Nudity!.FlaggedShare),
            parsed.Summaries.Select(s => s.Nudity!.FlaggedShare)
        );
        string html = File.ReadAllText(Path.Combine(output, EvaluationReport.HtmlFileName));
        Assert.Contains("data-metric=\"flagged-share\"", html);
        Assert.DoesNotContain("src=\"http", html);
        Assert.Equal(6, html.Split("src=\"data:image/png;base64,").Length - 1);
        Assert.DoesNotContain(Directory.GetDirectories(_temp.Path), d => Path.GetFileName(d).Contains("rece-partial"));
    }

    [Fact]
    public void Missing_detector_and_clip_are_skipped_with_reasons_and_the_rest_runs()
    {
        var cases = FirstCases(EvaluationSuite.Nudity, 2);
        var edited = new ImageFolderSource(Images("edited-only", cases, _ => (true, true)));
        var report = EvaluationJob.Run(
            new EvaluationRequest
            {
                Suite = EvaluationSuite.Nudity,
                OutputDirectory = _temp.File("out-skipped"),
                Selection = new PromptSelection(2),
                ModelDirectory = _models.Erased,
                BaselineDirectory = _models.Base,
            },
            edited,
            null
        );
        var skipped = Assert.Single(report.Skipped);
        Assert.Equal(MetricPlan.NudeNet, skipped.Metric);
        Assert.Contains("--nudenet", skipped.Reason);
        Assert.Contains("320n.onnx", skipped.Reason);
        Assert.Equal(new[] { MetricPlan.EmbeddingMeasures }, report.Metrics);
        Assert.Equal(2, report.Images.Count);
        Assert.Null(report.SummaryOf(EvaluationReport.Edited)!.Nudity);

        var plan = MetricPlan.Create(EvaluationSuite.Coco, null, null, null, null);
        Assert.Contains(plan.Skipped, s =>
            s.Metric == MetricPlan.ClipScore && s.Reason.Contains("openai/clip-vit-large-patch14")
        );
        Assert.Contains(plan.Skipped, s =>
            s.Metric == MetricPlan.EmbeddingMeasures && s.Reason.Contains("rece-patch.safetensors")
        );
        Assert.Contains(MetricPlan.Create(EvaluationSuite.Coco, null, null, _models.Erased, null).Skipped, s =>
            s.Reason.Contains("--baseline")
        );
        Assert.Throws<EvaluationInputException>(() =>
            MetricPlan.Create(EvaluationSuite.Nudity, _temp.File("absent.onnx"), null, null, null)
        );

        // A trained method's folder holds a trained-weights patch: no K/V edit to measure.
        string trained = _temp.File("trained");
        Directory.CreateDirectory(trained);
        File.Copy(Path.Combine(_models.Erased, ErasureReport.FileName), Path.Combine(trained, ErasureReport.FileName));
        var model = Rece.Models.Diffusers.DiffusersModel.Open(_models.Base);
        using (var encoder = Rece.Models.Safetensors.SafetensorsFile.Open(model.TextEncoderWeightsPath))
        using (var weight = Rece.Models.Safetensors.TorchTensors.Read(encoder, encoder.Tensors[0]))
        using (
            var patch = TrainedWeightsPatch.Make(
                model,
                model.TextEncoderWeightsPath,
                new Dictionary<string, TorchSharp.torch.Tensor> { [encoder.Tensors[0].Name] = weight },
                new Dictionary<string, string>()
            )
        )
            patch.Write(Path.Combine(trained, RecePatch.FileName));
        Assert.Contains(MetricPlan.Create(EvaluationSuite.Coco, null, null, trained, _models.Base).Skipped, s =>
            s.Metric == MetricPlan.EmbeddingMeasures && s.Reason.Contains("trained by gradient")
        );
    }

    [Fact]
    public void Coco_suite_scores_each_image_with_clip()
    {
        string clip = _temp.File("clip");
        TinyClip.Write(clip, TinyClip.Config, seed: 2);
        var cases = FirstCases(EvaluationSuite.Coco, 2);
        var edited = new ImageFolderSource(Images("coco", cases, c => (c == cases[0], false)));
        var report = EvaluationJob.Run(
            new EvaluationRequest
            {
                Suite = EvaluationSuite.Coco,
                OutputDirectory = _temp.File("out-coco"),
                Selection = new PromptSelection(2),
                ClipDirectory = clip,
            },
            edited,
            null
        );
        Assert.Equal(new[] { MetricPlan.ClipScore }, report.Metrics);
        var scores = report.Images.Select(i => i.ClipScore!.Value).ToList();
        Assert.Equal(2, scores.Count);
        Assert.NotEqual(scores[0], scores[1]);
        Assert.Equal(scores.Average(), report.SummaryOf(EvaluationReport.Edited)!.ClipScore!.Mean, 10);
    }

    [Fact]
    public void Ring_a_bell_writes_attack_embeddings_and_reports_the_success_rate()
    {
        var cases = FirstCases(EvaluationSuite.RingABell, 4);
        var recorded = new RecordingSource(
            new ImageFolderSource(Images("attacked", cases, c => (c == cases[0], false)))
        );
        string output = _temp.File("out-rab");
        var report = EvaluationJob.Run(
            new EvaluationRequest
            {
                Suite = EvaluationSuite.RingABell,
                OutputDirectory = output,
                Selection = new PromptSelection(4),
                ModelDirectory = _models.Erased,
                NudeNetPath = Detector,
            },
            recorded,
            null
        );
        Assert.Equal(0.25, report.SummaryOf(EvaluationReport.Edited)!.AttackSuccessRate);
        Assert.Equal(3.0, report.Attack!.Eta);
        Assert.Equal(79, report.Attack.Pairs);
        Assert.Equal(4, recorded.EmbeddingShapes.Count);
        Assert.All(recorded.EmbeddingShapes, shape => Assert.Equal(new long[] { 77, 32 }, shape));
        using var file = SafetensorsFile.Open(Path.Combine(output, EvaluationJob.AttackEmbeddingsFile));
        Assert.Equal(new long[] { 4, 77, 32 }, file["attack_embeddings"].Shape);
        Assert.Equal(new long[] { 77, 32 }, file["concept_vector"].Shape);
        Assert.Contains(
            "data-metric=\"attack-success-rate\"",
            File.ReadAllText(Path.Combine(output, EvaluationReport.HtmlFileName))
        );
        Assert.Throws<EvaluationInputException>(() =>
            EvaluationJob.Run(
                new EvaluationRequest { Suite = EvaluationSuite.RingABell, OutputDirectory = _temp.File("x") },
                recorded,
                null
            )
        );
    }

    [Fact]
    public void Shards_merge_to_the_whole_run()
    {
        var cases = FirstCases(EvaluationSuite.I2P, 5);
        var folder = Images("i2p", cases, c => (c % 2 == 0, c % 3 == 0));
        EvaluationReport Run(PromptSelection slice, string name) =>
            EvaluationJob.Run(
                new EvaluationRequest
                {
                    Suite = EvaluationSuite.I2P,
                    OutputDirectory = _temp.File(name),
                    Selection = slice,
                    NudeNetPath = Detector,
                },
                new ImageFolderSource(folder),
                null
            );
        var whole = Run(new PromptSelection(5), "whole");
        var merged = EvaluationReport.Merge(
            new[]
            {
                Run(new PromptSelection(5, new Shard(1, 2)), "s1"),
                Run(new PromptSelection(5, new Shard(2, 2)), "s2"),
            }
        );
        Assert.Equal(whole.SummaryOf("edited")!.Nudity, merged.SummaryOf("edited")!.Nudity, new NudityComparer());
        Assert.Equal(5, merged.Suite.Cases);
        Assert.Equal(cases, merged.Images.Select(i => i.CaseNumber));
    }

    [Fact]
    public void A_failing_image_source_leaves_no_output()
    {
        string output = _temp.File("out-failed");
        var error = Assert.Throws<EvaluationInputException>(() =>
            EvaluationJob.Run(
                new EvaluationRequest
                {
                    Suite = EvaluationSuite.Nudity,
                    OutputDirectory = output,
                    Selection = new PromptSelection(2),
                    NudeNetPath = Detector,
                },
                new ImageFolderSource(Images("empty", Array.Empty<int>(), _ => (false, false))),
                null
            )
        );
        Assert.Contains("has no image for case 21", error.Message);
        Assert.False(Directory.Exists(output));
        Assert.DoesNotContain(Directory.GetDirectories(_temp.Path), d => Path.GetFileName(d).Contains("rece-partial"));
    }

    private sealed class RecordingSource(IImageSource inner) : IImageSource
    {
        /// <summary>The embeddings live only during the call: record their shapes.</summary>
        public List<long[]?> EmbeddingShapes { get; } = new();

        public string Description => inner.Description;

        public RgbImage Generate(GenerationRequest request)
        {
            EmbeddingShapes.Add(request.PromptEmbedding?.shape);
            return inner.Generate(request);
        }
    }

    private sealed class NudityComparer : IEqualityComparer<NudeNet.NudityMetrics?>
    {
        public bool Equals(NudeNet.NudityMetrics? x, NudeNet.NudityMetrics? y) =>
            x is not null
            && y is not null
            && x.Images == y.Images
            && x.FlaggedImages == y.FlaggedImages
            && x.ExposedParts == y.ExposedParts
            && x.Classes.SequenceEqual(y.Classes);

        public int GetHashCode(NudeNet.NudityMetrics? obj) => 0;
    }

    public void Dispose() => _temp.Dispose();
}

using Rece.Evaluation.Clip;
using Rece.Evaluation.Images;
using Rece.Evaluation.Q16;
using Rece.Evaluation.Reports;
using Rece.Evaluation.Running;
using Rece.Evaluation.Suites;
using Rece.Evaluation.Tests.Onnx;
using Rece.Generation;
using Rece.Models.Safetensors;
using static TorchSharp.torch;

namespace Rece.Evaluation.Tests;

/// <summary>Q16 on the tests' tiny CLIP: the classifier's probability by its definition, the share flagged by Q16 or
/// NudeNet per I2P category, and the i2p suite end to end.</summary>
public sealed class Q16Tests : IDisposable
{
    private readonly TempFolder _temp = new();

    private static readonly RgbImage Dark = RgbImage.Filled(48, 48, 30, 30, 40);
    private static readonly RgbImage Red = RgbImage.Filled(48, 48, 240, 20, 20);

    private string Clip()
    {
        string folder = Path.Combine(_temp.Path, "clip");
        if (!Directory.Exists(folder))
            TinyClip.Write(folder, TinyClip.Config, seed: 4);
        return folder;
    }

    /// <summary>Q16 prompts whose "inappropriate" row is the red image's embedding and "appropriate" row the dark
    /// one's (scaled: only directions count).</summary>
    private string Prompts(ClipScorer clip, string name = "q16.safetensors")
    {
        using var embeddings = clip.EmbedImages(new[] { Dark, Red });
        using var prompts = embeddings.mul(tensor(new[] { 3f, 0.5f }).view(2, 1));
        string path = Path.Combine(_temp.Path, name);
        SafetensorsWriter.Write(path, new[] { TorchTensors.ToWrite("prompts", prompts) }, null);
        return path;
    }

    [Fact]
    public void TheProbabilityIsTheSoftmaxOfAHundredTimesTheCosines()
    {
        using var clip = ClipScorer.Load(Clip());
        using var q16 = Q16Classifier.Load(Prompts(clip));
        var mixed = RgbImage.Filled(48, 48, 200, 40, 30);
        using var images = clip.EmbedImages(new[] { Dark, Red, mixed });
        using var prompts = clip.EmbedImages(new[] { Dark, Red });

        var probabilities = q16.Inappropriate(images);

        for (int i = 0; i < 3; i++)
        {
            double Cosine(int p)
            {
                var a = images[i].to(ScalarType.Float64).data<double>().ToArray();
                var b = prompts[p].to(ScalarType.Float64).data<double>().ToArray();
                return a.Zip(b, (x, y) => x * y).Sum() / Math.Sqrt(a.Sum(x => x * x)) / Math.Sqrt(b.Sum(x => x * x));
            }
            double expected = 1 / (1 + Math.Exp(100 * (Cosine(0) - Cosine(1))));
            Assert.Equal(expected, probabilities[i], 9);
        }
        Assert.False(Q16Classifier.Flags(probabilities[0]));
        Assert.True(Q16Classifier.Flags(probabilities[1]));
    }

    [Fact]
    public void InappropriatenessCountsQ16OrNudeNetPerCategory()
    {
        var images = new List<(string?, bool, bool?)>
        {
            ("sexual", false, true),
            ("sexual, violence", true, false),
            ("violence", false, false),
            ("hate", false, false),
            ("violence , hate", true, false),
        };

        var shares = Inappropriateness.From(images);

        Assert.True(shares.WithNudeNet);
        Assert.Equal((5, 2, 3), (shares.Images, shares.Q16Flagged, shares.Flagged));
        Assert.Equal(new[] { "hate", "violence", "sexual" }, shares.Categories.Select(c => c.Category));
        Assert.Equal((2, 1, 0.5), Triple(shares, "hate"));
        Assert.Equal((3, 2, 2.0 / 3), Triple(shares, "violence"));
        Assert.Equal((2, 2, 1.0), Triple(shares, "sexual"));
        // Without NudeNet, Q16 alone decides.
        var q16Only = Inappropriateness.From(images.Select(i => (i.Item1, i.Item2, (bool?)null)).ToList());
        Assert.False(q16Only.WithNudeNet);
        Assert.Equal((2, 0.4), (q16Only.Flagged, q16Only.Share));
        Assert.Equal((2, 1, 0.5), Triple(q16Only, "sexual"));
    }

    private static (int, int, double) Triple(Inappropriateness shares, string category)
    {
        var c = shares.Categories.Single(c => c.Category == category);
        return (c.Images, c.Flagged, c.Share);
    }

    [Fact]
    public void TheI2PSuiteReportsTheInappropriateSharePerCategory()
    {
        string detector = Path.Combine(_temp.Path, "detector.onnx");
        // FEMALE_BREAST_EXPOSED when the top-left quarter is red.
        TestDetectorModel.Write(
            detector,
            32,
            new[] { new TestAnchor(8, 8, 16, 16, "FEMALE_BREAST_EXPOSED", 0, 0, 16, 16, Channel: 0) }
        );
        string clipFolder = Clip();
        string prompts;
        using (var clip = ClipScorer.Load(clipFolder))
            prompts = Prompts(clip);
        var cases = EvaluationSuite.I2P.Cases().Take(4).ToList();
        string images = Path.Combine(_temp.Path, "i2p");
        Directory.CreateDirectory(images);
        // Case 0 red (Q16 and NudeNet), case 1 red only in its top-left quarter (NudeNet; Q16 sees mostly dark),
        // cases 2 and 3 dark.
        for (int i = 0; i < cases.Count; i++)
        {
            var image = i == 0 ? RgbImage.Filled(48, 48, 240, 20, 20) : RgbImage.Filled(48, 48, 30, 30, 40);
            if (i == 1)
                image.Fill(0, 0, 24, 24, 240, 20, 20);
            image.SavePng(Path.Combine(images, $"{cases[i].CaseNumber}.png"));
        }

        var report = EvaluationJob.Run(
            new EvaluationRequest
            {
                Suite = EvaluationSuite.I2P,
                OutputDirectory = Path.Combine(_temp.Path, "out"),
                Selection = new PromptSelection(4),
                NudeNetPath = detector,
                ClipDirectory = clipFolder,
                Q16Path = prompts,
            },
            new ImageFolderSource(images),
            null
        );

        Assert.Equal(new[] { MetricPlan.NudeNet, MetricPlan.Q16 }, report.Metrics);
        var edited = report.SummaryOf(EvaluationReport.Edited)!;
        var shares = edited.Inappropriateness!;
        var q16 = report.Images.Select(i => Q16Classifier.Flags(i.Q16!.Value)).ToList();
        Assert.True(q16[0]);
        Assert.False(q16[2]);
        var nudity = report.Images.Select(i => i.Exposed!.Count > 0).ToList();
        int expected = q16.Zip(nudity, (a, b) => a || b).Count(f => f);
        Assert.Equal(expected, shares.Flagged);
        Assert.Equal(expected / 4.0, shares.Share);
        Assert.True(shares.WithNudeNet);
        var categories = cases.SelectMany(c => c.Label!.Split(',', StringSplitOptions.TrimEntries)).Distinct();
        Assert.Equal(categories.Order(), shares.Categories.Select(c => c.Category).Order());
        Assert.Equal(cases.Select(c => c.Label), report.Images.Select(i => i.Label));
        string html = File.ReadAllText(Path.Combine(_temp.Path, "out", EvaluationReport.HtmlFileName));
        Assert.Contains("Inappropriate (Q16 or NudeNet)", html, StringComparison.Ordinal);
        Assert.Contains("id=\"category-chart\"", html, StringComparison.Ordinal);
        Assert.Contains("data-metric=\"inappropriate:" + shares.Categories[0].Category + "\"", html);
    }

    [Fact]
    public void Q16IsSkippedWithoutItsPromptsOrClipAndBadFilesAreRefused()
    {
        var none = MetricPlan.Create(EvaluationSuite.I2P, null, null, null, null);
        Assert.Contains(none.Skipped, s => s.Metric == MetricPlan.Q16 && s.Reason.Contains("--q16 FILE"));
        string prompts = Path.Combine(_temp.Path, "three.safetensors");
        SafetensorsWriter.Write(prompts, new[] { TorchTensors.ToWrite("prompts", ones(3, 8)) }, null);
        var noClip = MetricPlan.Create(EvaluationSuite.I2P, null, null, null, null, q16Path: prompts);
        Assert.Contains(noClip.Skipped, s => s.Metric == MetricPlan.Q16 && s.Reason.Contains("--clip DIR"));
        Assert.Contains(
            "not Q16's two prompt embeddings",
            Assert.Throws<EvaluationInputException>(() => Q16Classifier.Load(prompts)).Message
        );
        Assert.Throws<EvaluationInputException>(() => Q16Classifier.Load(Path.Combine(_temp.Path, "absent")));
        string wide = Path.Combine(_temp.Path, "wide.safetensors");
        SafetensorsWriter.Write(wide, new[] { TorchTensors.ToWrite("prompts", ones(2, 5)) }, null);
        using var q16 = Q16Classifier.Load(wide);
        using var clip = ClipScorer.Load(Clip());
        using var embedding = clip.EmbedImages(new[] { Dark });
        Assert.Contains(
            "CLIP ViT-L/14",
            Assert.Throws<EvaluationInputException>(() => q16.Inappropriate(embedding)).Message
        );
    }

    public void Dispose() => _temp.Dispose();
}

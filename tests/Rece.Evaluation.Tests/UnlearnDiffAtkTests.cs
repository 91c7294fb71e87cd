using Rece.Evaluation.Attacks;
using Rece.Evaluation.Reports;
using Rece.Evaluation.Running;
using Rece.Evaluation.Suites;
using Rece.Evaluation.Tests.Onnx;
using Rece.Generation;
using Rece.Models.Schedulers;
using static TorchSharp.torch;

namespace Rece.Evaluation.Tests;

/// <summary>UnlearnDiffAtk on the tiny fixture: the simplex projection, the text encoder from embeddings, the attack's
/// stages and stopping rule, and the unlearndiffatk suite end to end.</summary>
[Collection(TinyModelCollection.Name)]
public sealed class UnlearnDiffAtkTests(TinyModels models) : IDisposable
{
    private static readonly SamplerSettings Fast = new(Steps: 2, Size: 64, DefaultSeed: 3);

    private readonly TempFolder _temp = new();

    [Fact]
    public void TheProjectionIsTheNearestPointOfTheSimplex()
    {
        using var rows = tensor(
            new double[,]
            {
                { 0.5, 0.5, 0 },
                { 2, 0, 0 },
                { 0.4, 0.3, 0.1 },
                { -1, 0.5, 0.2 },
                { 1, 1, 1 },
            }
        );
        using var projected = UnlearnDiffAtk.ProjectOntoSimplex(rows);
        double[,] expected =
        {
            { 0.5, 0.5, 0 },
            { 1, 0, 0 },
            { 0.4 + 0.2 / 3, 0.3 + 0.2 / 3, 0.1 + 0.2 / 3 },
            { 0, 0.65, 0.35 },
            { 1.0 / 3, 1.0 / 3, 1.0 / 3 },
        };
        for (int r = 0; r < 5; r++)
        for (int c = 0; c < 3; c++)
            Assert.Equal(expected[r, c], projected[r, c].item<double>(), 12);
        // A random row: on the simplex, and u = max(v - theta, 0) for one theta (the optimality conditions).
        using var random = randn(new long[] { 1, 50 }, dtype: ScalarType.Float64, generator: new Generator(4));
        using var u = UnlearnDiffAtk.ProjectOntoSimplex(random);
        Assert.Equal(1.0, u.sum().item<double>(), 12);
        Assert.True(u.min().item<double>() >= 0);
        var v = random[0].data<double>().ToArray();
        var p = u[0].data<double>().ToArray();
        int i = Array.FindIndex(p, x => x > 0);
        double theta = v[i] - p[i];
        for (int k = 0; k < v.Length; k++)
            Assert.Equal(Math.Max(v[k] - theta, 0), p[k], 12);
    }

    [Fact]
    public void TheTextEncoderFromEmbeddingsEqualsItFromIds()
    {
        using var pipeline = StableDiffusionPipeline.Load(models.Base);
        var ids = pipeline.Tokenizer.Encode("a photo of a cat").Ids;
        using var fromIds = pipeline.TextEncoder.Encode(new[] { ids });
        using var rows = pipeline.TextEncoder.TokenEmbeddings.index_select(
            0,
            tensor(ids.Select(i => (long)i).ToArray())
        );
        using var copy = rows.clone();
        using var fromEmbeddings = pipeline.TextEncoder.ForwardEmbeddings(rows.unsqueeze(0));
        Assert.True(fromIds.allclose(fromEmbeddings, rtol: 0, atol: 1e-6));
        Assert.True(rows.equal(copy).all().item<bool>(), "the caller's embeddings are not modified");
    }

    private UnlearnDiffAtkResult Attack(StableDiffusionPipeline pipeline, Func<int, bool> unsafeAfter, int stages)
    {
        using var source = new GeneratorImageSource(pipeline, Fast);
        var promptCase = new PromptCase(0, "a photo of a cat", Seed: 5);
        using var target = randn(new long[] { 1, 4, 8, 8 }, generator: new Generator(6));
        int judged = 0;
        return UnlearnDiffAtk.Attack(
            pipeline.TextEncoder,
            pipeline.Tokenizer,
            pipeline.UNet,
            NoiseSchedule.From(pipeline.SchedulerConfig),
            pipeline.SchedulerConfig.PredictionType,
            target,
            promptCase.Prompt,
            embedding => source.Generate(new GenerationRequest(promptCase, embedding)),
            _ => unsafeAfter(judged++),
            new UnlearnDiffAtkSettings
            {
                Stages = stages,
                Iterations = 2,
                Seed = 1,
            }
        );
    }

    [Fact]
    public void TheAttackRunsItsStagesUntilAnImageIsUnsafe()
    {
        using var pipeline = StableDiffusionPipeline.Load(models.Erased);

        var failed = Attack(pipeline, _ => false, stages: 2);
        Assert.False(failed.Succeeded);
        Assert.Equal(2, failed.Stages);
        Assert.Equal(4, failed.Losses.Count);
        Assert.All(failed.Losses, l => Assert.True(double.IsFinite(l) && l > 0));
        Assert.EndsWith("a photo of a cat", failed.Prompt, StringComparison.Ordinal);
        Assert.NotEqual("a photo of a cat", failed.Prompt);

        // Unsafe at the second image judged (the first stage's): stage 1 of 2, timestep 1000 / 2 / 2 = 250.
        var second = Attack(pipeline, judged => judged == 1, stages: 2);
        Assert.Equal((true, 250, 1), (second.Succeeded, second.Timestep, second.Stages));

        // Unsafe without an attack: the prompt itself.
        var plain = Attack(pipeline, _ => true, stages: 2);
        Assert.Equal(
            (true, (int?)null, 0, "a photo of a cat"),
            (plain.Succeeded, plain.Timestep, plain.Stages, plain.Prompt)
        );

        // The same seed attacks the same way.
        Assert.Equal(failed.Losses, Attack(pipeline, _ => false, stages: 2).Losses);
    }

    [Fact]
    public void TheSuiteReportsTheAttackSuccessRateAgainstTheBaselinesTargets()
    {
        string detector = Path.Combine(_temp.Path, "detector.onnx");
        // FEMALE_BREAST_EXPOSED when the image's top-left quarter is bright red.
        TestDetectorModel.Write(
            detector,
            64,
            new[] { new TestAnchor(16, 16, 32, 32, "FEMALE_BREAST_EXPOSED", 0, 0, 32, 32, Channel: 0) }
        );
        using var edited = GeneratorImageSource.Load(models.Erased, Fast);
        using var baseline = GeneratorImageSource.Load(models.Base, Fast);
        var report = EvaluationJob.Run(
            new EvaluationRequest
            {
                Suite = EvaluationSuite.UnlearnDiffAtk,
                OutputDirectory = Path.Combine(_temp.Path, "out"),
                Selection = new PromptSelection(2),
                NudeNetPath = detector,
                WhiteBoxSettings = new UnlearnDiffAtkSettings { Stages = 1, Iterations = 1 },
            },
            edited,
            baseline
        );

        Assert.Equal("unlearndiffatk", report.WhiteBoxAttack!.Method);
        Assert.Equal(
            (1, 1, 5),
            (report.WhiteBoxAttack.Stages, report.WhiteBoxAttack.Iterations, report.WhiteBoxAttack.Tokens)
        );
        var attacked = report.Images.Where(i => i.Role == EvaluationReport.Edited).ToList();
        Assert.Equal(2, attacked.Count);
        Assert.All(attacked, i => Assert.NotNull(i.AttackStages));
        var summary = report.SummaryOf(EvaluationReport.Edited)!;
        Assert.Equal(summary.Nudity!.FlaggedShare, summary.AttackSuccessRate);
        Assert.Equal(attacked.Count(i => i.Exposed!.Count > 0) / 2.0, summary.AttackSuccessRate);
        string html = File.ReadAllText(Path.Combine(_temp.Path, "out", EvaluationReport.HtmlFileName));
        Assert.Contains("data-metric=\"attack-success-rate\"", html, StringComparison.Ordinal);
        Assert.Contains("unlearndiffatk on nudity", html, StringComparison.Ordinal);
    }

    [Fact]
    public void TheSuiteNeedsTheModelsAndNudeNet()
    {
        using var edited = GeneratorImageSource.Load(models.Erased, Fast);
        string images = Path.Combine(_temp.Path, "images");
        Directory.CreateDirectory(images);
        EvaluationRequest Request(string name) =>
            new()
            {
                Suite = EvaluationSuite.UnlearnDiffAtk,
                OutputDirectory = Path.Combine(_temp.Path, name),
                Selection = new PromptSelection(1),
                NudeNetPath = Path.Combine(_temp.Path, "detector.onnx"),
            };
        TestDetectorModel.Write(
            Path.Combine(_temp.Path, "detector.onnx"),
            64,
            new[] { new TestAnchor(16, 16, 32, 32, "FEET_EXPOSED", 0, 0, 32, 32) }
        );
        Assert.Contains(
            "--baseline DIR",
            Assert.Throws<EvaluationInputException>(() => EvaluationJob.Run(Request("a"), edited, null)).Message
        );
        Assert.Contains(
            "--model DIR",
            Assert
                .Throws<EvaluationInputException>(() =>
                    EvaluationJob.Run(Request("b"), new ImageFolderSource(images), edited)
                )
                .Message
        );
        Assert.Contains(
            "--nudenet FILE",
            Assert
                .Throws<EvaluationInputException>(() =>
                    EvaluationJob.Run(Request("c") with { NudeNetPath = null }, edited, edited)
                )
                .Message
        );
        Assert.Contains(
            "--attack-stages",
            Assert
                .Throws<EvaluationInputException>(() =>
                    EvaluationJob.Run(
                        Request("d") with
                        {
                            WhiteBoxSettings = new UnlearnDiffAtkSettings { Stages = 0 },
                        },
                        edited,
                        edited
                    )
                )
                .Message
        );
        Assert.False(Directory.Exists(Path.Combine(_temp.Path, "a")));
    }

    public void Dispose() => _temp.Dispose();
}

using Rece.Evaluation.Reports;
using Rece.Evaluation.Running;
using Rece.Evaluation.Suites;
using Rece.Evaluation.Tests.Onnx;
using Rece.Generation;

namespace Rece.Evaluation.Tests;

/// <summary>Evaluations whose images the Stable Diffusion sampler makes from the tiny base and erased models.</summary>
[Collection(TinyModelCollection.Name)]
public sealed class GeneratorImageSourceTests(TinyModels models) : IDisposable
{
    private readonly TempFolder _temp = new();
    private static readonly SamplerSettings Fast = new(Steps: 3, Size: 64);

    public void Dispose() => _temp.Dispose();

    [Fact]
    public void Each_case_is_the_image_the_sampler_makes_from_its_prompt_and_seed()
    {
        var c = EvaluationSuite.Nudity.Cases()[0];
        using var source = GeneratorImageSource.Load(models.Base, Fast);
        var image = source.Generate(new GenerationRequest(c));

        using var pipeline = StableDiffusionPipeline.Load(models.Base);
        var direct = pipeline.Generate(
            ImageRequest.ForPrompt(c.Prompt, (ulong)c.Seed!.Value, c.Guidance!.Value, 64, 3)
        );
        Assert.Equal((64, 64), (image.Width, image.Height));
        Assert.Equal(direct.Rgb, image.Pixels);
        Assert.Contains("3 lms steps", source.Description);
    }

    [Fact]
    public void The_baseline_and_the_erased_model_are_generated_with_the_same_seeds_and_scored()
    {
        string detector = _temp.File("detector.onnx");
        TestDetectorModel.Write(
            detector,
            32,
            new[] { new TestAnchor(16, 16, 32, 32, "FEMALE_BREAST_EXPOSED", 0, 0, 32, 32, Channel: 0) }
        );
        var factory = new GeneratorImageSourceFactory(Fast);
        using var edited = (GeneratorImageSource)factory.ForModel(models.Erased);
        using var baseline = (GeneratorImageSource)factory.ForModel(models.Base);
        string output = _temp.File("out");

        var report = EvaluationJob.Run(
            new EvaluationRequest
            {
                Suite = EvaluationSuite.Nudity,
                OutputDirectory = output,
                Selection = new PromptSelection(2),
                ModelDirectory = models.Erased,
                BaselineDirectory = models.Base,
                NudeNetPath = detector,
            },
            edited,
            baseline
        );

        Assert.Equal(4, report.Images.Count);
        Assert.Equal(2, report.SummaryOf(EvaluationReport.Edited)!.Nudity!.Images);
        Assert.Contains("generated from", report.Sources[EvaluationReport.Edited]);
        // Same seeds, different K/V weights: every case's two images differ, and each matches its model's own sampler.
        foreach (var c in EvaluationSuite.Nudity.Cases().Take(2))
        {
            var before = Images.RgbImage.Load(
                Path.Combine(output, "images", EvaluationReport.Baseline, $"{c.CaseNumber}.png")
            );
            var after = Images.RgbImage.Load(
                Path.Combine(output, "images", EvaluationReport.Edited, $"{c.CaseNumber}.png")
            );
            Assert.NotEqual(before.Pixels, after.Pixels);
            Assert.Equal(edited.Generate(new GenerationRequest(c)).Pixels, after.Pixels);
        }
        Assert.True(report.SummaryOf(EvaluationReport.Edited)!.Measures!.RecoveredConceptResidual > 0);
    }

    [Fact]
    public void Bad_sampler_settings_are_refused_before_loading()
    {
        Assert.Contains(
            "--steps",
            Assert
                .Throws<EvaluationInputException>(() => GeneratorImageSource.Load(models.Base, Fast with { Steps = 0 }))
                .Message
        );
        Assert.Contains(
            "--size",
            Assert
                .Throws<EvaluationInputException>(() => GeneratorImageSource.Load(models.Base, Fast with { Size = 4 }))
                .Message
        );
    }
}

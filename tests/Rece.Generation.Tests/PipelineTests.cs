using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using Rece.Models.Schedulers;
using static TorchSharp.torch;

namespace Rece.Generation.Tests;

[Collection(TinyPipelineCollection.Name)]
public class PipelineTests(TinyPipelines models)
{
    private StableDiffusionPipeline Pipeline => models.Pipeline;

    private static ImageRequest Cat(
        ulong seed = 42,
        double guidance = 7.5,
        int steps = 6,
        SchedulerKind scheduler = SchedulerKind.Lms
    ) => ImageRequest.ForPrompt("a photo of a cat", seed, guidance, 64, steps, scheduler);

    [Fact]
    public void TheSameSeedGivesTheSameImageBytes()
    {
        var a = Pipeline.Generate(Cat(seed: 42));
        var b = Pipeline.Generate(Cat(seed: 42));
        var c = Pipeline.Generate(Cat(seed: 43));
        Assert.Equal(a.EncodePng(), b.EncodePng());
        Assert.NotEqual(a.Rgb, c.Rgb);
        Assert.Equal((64, 64, 64 * 64 * 3), (a.Width, a.Height, a.Rgb.Length));
        Assert.True(a.Rgb.Distinct().Count() > 100, "the image is not flat");
    }

    [Fact]
    public void InitialNoiseIsPyTorchsCpuGenerator()
    {
        using var scope = NewDisposeScope();
        // torch.manual_seed(0); torch.randn(4) -> tensor([1.5410, -0.2934, -2.1788, 0.5684]) (PyTorch's documented
        // output).
        var noise = InitialNoise.Draw(new ulong[] { 0 }, 1, 1, 4).data<float>().ToArray();
        Assert.Equal(new[] { 1.5410, -0.2934, -2.1788, 0.5684 }, noise.Select(v => Math.Round(v, 4)));
    }

    [Fact]
    public void ALatentSizedDrawIsPyTorchsToo()
    {
        // Tensors of 16 elements or more take libtorch's vectorized normal path, another one than the 4 values above.
        // Values from PyTorch itself (Debian's python3-torch 1.13.1, CPU): torch.manual_seed(0);
        // torch.randn(1, 4, 8, 8).
        using var scope = NewDisposeScope();
        var noise = InitialNoise.Draw(new ulong[] { 0 }, 4, 8, 8).flatten();
        var values = noise.data<float>().ToArray();
        Assert.Equal(
            new[] { -1.1258, -1.1524, -0.2506, -0.4339, 0.8487, 0.6920, -0.3160, -2.1152 },
            values.Take(8).Select(v => Math.Round(v, 4))
        );
        Assert.Equal(new[] { -0.8707, 0.1447, 1.9029, 0.3904 }, values.TakeLast(4).Select(v => Math.Round(v, 4)));
        Assert.Equal(6.5901, Math.Round(values.Sum(v => (double)v), 4));
        Assert.Equal(190.4149, Math.Round(values.Sum(v => Math.Abs((double)v)), 4));
        var other = InitialNoise.Draw(new ulong[] { 4_261_553_411 }, 4, 8, 8).flatten().data<float>().ToArray();
        Assert.Equal(new[] { 0.6355, -1.4681, 1.3078, 0.9156 }, other.Take(4).Select(v => Math.Round(v, 4)));
    }

    [Fact]
    public void AnImagesNoiseDependsOnlyOnItsSeed()
    {
        using var scope = NewDisposeScope();
        var batch = InitialNoise.Draw(new ulong[] { 5, 4_261_553_411 }, 4, 8, 8);
        var alone = InitialNoise.Draw(new ulong[] { 4_261_553_411 }, 4, 8, 8);
        Assert.Equal(alone[0].data<float>().ToArray(), batch[1].data<float>().ToArray());
        Assert.NotEqual(alone[0].data<float>().ToArray(), batch[0].data<float>().ToArray());
    }

    [Fact]
    public void AnEmbeddingGivesTheSameImageAsItsPrompt()
    {
        using var embedding = Pipeline.EncodePrompt("a photo of a cat");
        Assert.Equal(new long[] { 77, Pipeline.EmbeddingDim }, embedding.shape);
        var fromPrompt = Pipeline.Generate(Cat());
        var fromEmbedding = Pipeline.Generate(ImageRequest.ForEmbedding(embedding, 42, 7.5, 64, 6));
        Assert.Equal(fromPrompt.Rgb, fromEmbedding.Rgb);

        using var shifted = embedding.add(0.5);
        var changed = Pipeline.Generate(ImageRequest.ForEmbedding(shifted, 42, 7.5, 64, 6));
        Assert.NotEqual(fromPrompt.Rgb, changed.Rgb);
    }

    [Fact]
    public void GuidanceOneEqualsTheConditionalPrediction()
    {
        using var scope = NewDisposeScope();
        var conditioning = Pipeline.EncodePrompts(new[] { "a photo of a cat", "a dog" });
        // Alone with guidance 1 the unconditional pass is skipped; next to a guided image it is computed and combined
        // with scale 1.
        var conditionalOnly = Pipeline.Denoise(
            conditioning.narrow(0, 0, 1),
            new ulong[] { 3 },
            new[] { 1.0 },
            64,
            64,
            5,
            SchedulerKind.Lms
        );
        var combined = Pipeline.Denoise(
            conditioning,
            new ulong[] { 3, 4 },
            new[] { 1.0, 7.5 },
            64,
            64,
            5,
            SchedulerKind.Lms
        );
        double difference = conditionalOnly[0].sub(combined[0]).abs().max().item<float>();
        Assert.True(difference < 1e-3, $"max difference {difference}");
        var guided = Pipeline.Denoise(
            conditioning.narrow(0, 0, 1),
            new ulong[] { 3 },
            new[] { 7.5 },
            64,
            64,
            5,
            SchedulerKind.Lms
        );
        Assert.True(guided.sub(conditionalOnly).abs().max().item<float>() > 1e-2);
    }

    [Fact]
    public void TheUnconditionalInputIsTheEmptyPrompt()
    {
        // Guidance 0 leaves only the unconditional prediction: the image of the empty prompt without guidance.
        var unconditional = Pipeline.Generate(ImageRequest.ForPrompt("a photo of a cat", 8, 0, 64, 4));
        var emptyPrompt = Pipeline.Generate(ImageRequest.ForPrompt("", 8, 1, 64, 4));
        int worst = unconditional.Rgb.Zip(emptyPrompt.Rgb).Max(p => Math.Abs(p.First - p.Second));
        Assert.True(worst <= 2, $"pixel values differ by up to {worst}");
        Assert.NotEqual(
            Pipeline.Generate(ImageRequest.ForPrompt("a photo of a cat", 8, 1, 64, 4)).Rgb,
            emptyPrompt.Rgb
        );
    }

    [Fact]
    public void Fp16RunsForRealAndSaysItIsSlowOnTheCpu()
    {
        var log = new FakeLogger();
        using var half = StableDiffusionPipeline.Load(models.V1, Precision.Fp16, log);
        Assert.Equal(ScalarType.Float16, half.UNet.DType);
        Assert.Contains(log.Collector.GetSnapshot(), r =>
            r.Level == LogLevel.Warning && r.Message.Contains("fp16 on the CPU")
        );
        var image = half.Generate(ImageRequest.ForPrompt("a photo of a cat", 42, 7.5, 64, 2));
        var full = Pipeline.Generate(ImageRequest.ForPrompt("a photo of a cat", 42, 7.5, 64, 2));
        double meanDifference = image.Rgb.Zip(full.Rgb).Average(p => Math.Abs(p.First - p.Second));
        Assert.True(meanDifference < 8, $"fp16 and fp32 images differ by {meanDifference} on average");
    }

    [Fact]
    public void GuidanceCombinesTheTwoPredictions()
    {
        using var scope = NewDisposeScope();
        var uncond = tensor(new float[] { 1, 2 });
        var cond = tensor(new float[] { 3, 1 });
        Assert.Equal(
            new float[] { 16, -5.5f },
            ClassifierFreeGuidance.Combine(uncond, cond, tensor(7.5f)).data<float>().ToArray()
        );
        Assert.Equal(
            cond.data<float>().ToArray(),
            ClassifierFreeGuidance.Combine(uncond, cond, tensor(1f)).data<float>().ToArray()
        );
        Assert.False(ClassifierFreeGuidance.Needed(new[] { 1.0, 1.0 }));
        Assert.True(ClassifierFreeGuidance.Needed(new[] { 1.0, 0.0 }));
    }

    [Fact]
    public void ABatchGivesTheImagesOfItsRequests()
    {
        var first = Cat(seed: 1);
        var second = ImageRequest.ForPrompt("a red car", 2, 5, 64, 6);
        var batch = Pipeline.Generate(new[] { first, second });
        var singles = new[] { Pipeline.Generate(first), Pipeline.Generate(second) };
        for (int i = 0; i < 2; i++)
        {
            int worst = batch[i].Rgb.Zip(singles[i].Rgb).Max(p => Math.Abs(p.First - p.Second));
            Assert.True(worst <= 2, $"image {i}: pixel values differ by up to {worst}");
        }
        Assert.NotEqual(batch[0].Rgb, batch[1].Rgb);
    }

    [Theory]
    [InlineData(SchedulerKind.Lms, 6)]
    [InlineData(SchedulerKind.Ddim, 6)]
    [InlineData(SchedulerKind.Euler, 6)]
    [InlineData(SchedulerKind.Pndm, 7)]
    public void EverySchedulerCallsTheModelOncePerTimestep(SchedulerKind scheduler, int calls)
    {
        int seen = 0;
        var image = Pipeline.Generate(Cat(scheduler: scheduler), (done, total) =>
        {
            Assert.Equal(calls, total);
            seen = done;
        });
        Assert.Equal(calls, seen);
        Assert.Equal(calls, image.Timings.ModelCalls);
        Assert.Equal(Pipeline.Generate(Cat(scheduler: scheduler)).Rgb, image.Rgb);
    }

    [Fact]
    public void TheSdV2LayoutGeneratesWithVPredictionAndBf16()
    {
        using var v2 = StableDiffusionPipeline.Load(models.V2, Precision.Bf16);
        Assert.Equal("v_prediction", v2.SchedulerConfig.PredictionType);
        Assert.Equal(48, v2.EmbeddingDim);
        var image = v2.Generate(ImageRequest.ForPrompt("a photo of a cat", 1, 7.5, 0, 4, SchedulerKind.Ddim));
        Assert.Equal(64, image.Width);
        Assert.True(image.Rgb.Distinct().Count() > 50);
    }

    [Fact]
    public void BadRequestsAreRefusedWithTheReason()
    {
        using var wrong = zeros(77, 16);
        var e = Assert.Throws<ArgumentException>(() =>
            Pipeline.Generate(ImageRequest.ForEmbedding(wrong, 1, 7.5, 64, 2))
        );
        Assert.Contains($"[77, {Pipeline.EmbeddingDim}]", e.Message);
        e = Assert.Throws<ArgumentException>(() => Pipeline.Generate(ImageRequest.ForPrompt("x", 1, 7.5, 60, 2)));
        Assert.Contains("multiples of 8", e.Message);
        e = Assert.Throws<ArgumentException>(() => Pipeline.Generate(new[] { Cat(), Cat() with { Steps = 3 } }));
        Assert.Contains("share width, height, steps and scheduler", e.Message);
    }

    [Fact]
    public void PngFilesDecodeToTheGeneratedPixels()
    {
        var image = Pipeline.Generate(Cat(steps: 2));
        var (width, height, rgb) = PngImage.Decode(image.EncodePng());
        Assert.Equal((64, 64), (width, height));
        Assert.Equal(image.Rgb, rgb);
    }
}

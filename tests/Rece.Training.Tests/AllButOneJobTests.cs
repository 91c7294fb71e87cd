using Rece.Erasure;
using Rece.Generation;
using Rece.Models.Safetensors;

namespace Rece.Training.Tests;

/// <summary>`rece erase --method all-but-one` end to end on the tiny fixture.</summary>
[Collection(TinyModelCollection.Name)]
public sealed class AllButOneJobTests(TinyModels models)
{
    private static readonly string UNetWeights = Path.Combine("unet", "diffusion_pytorch_model.safetensors");

    private ErasureRequest Request(string output) =>
        new()
        {
            ModelDirectory = models.V1,
            OutputDirectory = output,
            Concepts = ["golf ball"],
            Method = "all-but-one",
            Alternative = "ball",
            Steps = 6,
            Samples = 2,
            LearningRate = 1e-3,
        };

    [Fact]
    public void OnlyTheTrainedUNetTensorsChangeAndEverythingElseIsLinked()
    {
        var before = TinyModels.HashTree(models.V1);
        string output = models.NewOutput();

        var report = AllButOneJob.Run(Request(output));

        Assert.Equal(before, TinyModels.HashTree(models.V1));
        var after = TinyModels.HashTree(output);
        // The fp16 variant was not trained: it is left out (with the reason) rather than carry the concept.
        string fp16 = Path.Combine("unet", "diffusion_pytorch_model.fp16.safetensors");
        Assert.DoesNotContain(fp16, after.Keys);
        Assert.Contains(report.Outputs.NotCopied, s => s.File == fp16);
        foreach (var (file, hash) in before.Where(kv => kv.Key != UNetWeights && kv.Key != fp16))
            Assert.Equal(hash, after[file]);
        Assert.NotEqual(before[UNetWeights], after[UNetWeights]);

        using var original = SafetensorsFile.Open(Path.Combine(models.V1, UNetWeights));
        using var trained = SafetensorsFile.Open(Path.Combine(output, UNetWeights));
        Assert.True(original.HeaderJson.Span.SequenceEqual(trained.HeaderJson.Span), "header unchanged");
        var names = report.Training!.TrainedWeights.ToHashSet();
        Assert.NotEmpty(names);
        foreach (var info in original.Tensors)
        {
            bool same = original.ReadBytes(info).AsSpan().SequenceEqual(trained.ReadBytes(trained[info.Name]));
            Assert.True(same != names.Contains(info.Name), $"{info.Name}: trained {names.Contains(info.Name)}");
        }

        var training = report.Training;
        Assert.Equal(
            ("all-but-one", "ball", "xattn", 2, 6, 64),
            (
                training.Method,
                training.Alternative,
                training.Parameters,
                training.Samples,
                training.Losses.Count,
                training.Size
            )
        );
        Assert.All(training.Losses, l => Assert.True(double.IsFinite(l) && l >= 0, $"loss {l}"));
        Assert.Equal(after[UNetWeights], report.Outputs.UNet!.Sha256);
        var parsed = ErasureReport.Parse(File.ReadAllText(Path.Combine(output, ErasureReport.FileName)));
        Assert.Equal(training.Losses, parsed.Training!.Losses);

        // The patch beside it rebuilds the trained U-Net weights from the base, byte for byte.
        string rebuilt = models.NewOutput();
        var applied = PatchJob.Apply(models.V1, Path.Combine(output, RecePatch.FileName), rebuilt, force: false);
        Assert.Equal(after[UNetWeights], TinyModels.HashTree(rebuilt)[UNetWeights]);
        Assert.Equal(after[UNetWeights], applied.Outputs.UNet!.Sha256);
        Assert.Equal(after[RecePatch.FileName], report.Outputs.Patch!.Sha256);

        // The edited folder is a model like any other: it loads and generates.
        using var pipeline = StableDiffusionPipeline.Load(output);
        var image = pipeline.Generate(
            new ImageRequest
            {
                Prompt = "a golf ball",
                Seed = 1,
                Steps = 3,
            }
        );
        Assert.Equal(64 * 64 * 3, image.Rgb.Length);
    }

    [Fact]
    public void ARunMadeInPartsAsPipelineJobsMakeItEqualsTheCommandsRun()
    {
        string whole = models.NewOutput();
        var report = AllButOneJob.Run(Request(whole));
        using var folder = new TempFolder("all-but-one-parts");
        string state = folder.File("state.safetensors");
        string patch = folder.File(RecePatch.FileName);
        var losses = new List<double>();
        foreach (int until in new[] { 2, 4, 6 })
        {
            using var resume = until == 2 ? null : TrainingState.Read(state);
            var part = AllButOneJob.TrainPart(Request(models.NewOutput()), until, resume, patch, "models/tiny");
            using (part.State)
                part.State.Write(state);
            Assert.Equal(2, part.Losses.Count);
            losses.AddRange(part.Losses);
        }
        string rebuilt = models.NewOutput();
        PatchJob.Apply(models.V1, patch, rebuilt, force: false);
        Assert.Equal(TinyModels.HashTree(whole)[UNetWeights], TinyModels.HashTree(rebuilt)[UNetWeights]);
        Assert.Equal(report.Training!.Losses, losses);
    }

    [Fact]
    public void TheSameSeedWritesTheSameUNet()
    {
        string first = models.NewOutput();
        string second = models.NewOutput();
        AllButOneJob.Run(Request(first) with { Seed = 4, TrainParameters = "kv" });
        AllButOneJob.Run(Request(second) with { Seed = 4, TrainParameters = "kv" });
        Assert.Equal(TinyModels.HashTree(first)[UNetWeights], TinyModels.HashTree(second)[UNetWeights]);
    }

    [Fact]
    public void BadInputsAreRefusedWithTheFixAndNothingIsWritten()
    {
        string output = models.NewOutput();
        var cases = new (ErasureRequest Request, string Message)[]
        {
            (Request(output) with { Alternative = null }, "give --alternative TEXT"),
            (Request(output) with { Alternative = " Golf Ball " }, "--alternative is the concept itself"),
            (Request(output) with { Concepts = ["golf ball", "church"] }, "exactly one --concept"),
            (Request(output) with { Steps = 0 }, "--steps must be 1 to 1000000"),
            (Request(output) with { Beta = -0.5 }, "--beta must be a non-negative number"),
            (Request(output) with { TrainParameters = "everything" }, "--train must be xattn or kv"),
            (Request(output) with { Samples = 0 }, "--samples must be 1 to 64"),
            (Request(output) with { LearningRate = 0 }, "must be a positive number"),
            (Request(output) with { Size = 60 }, "--size must be a multiple of 8"),
            (Request(output) with { ImagesDirectory = models.Images }, "--images (for fewshot) does not apply"),
            (Request(output) with { Preserve = ["a church"] }, "--preserve (for rece, uce, speed) does not apply"),
            (Request(output) with { Epochs = 2, Lambda = 0.1 }, "--epochs (for rece, fewshot), --lambda"),
            (Request(output) with { PatchOnly = true }, "--patch-only (for rece, uce, speed)"),
            (Request(output) with { ModelDirectory = Path.Combine(models.Root, "missing") }, "missing"),
        };
        foreach (var (request, message) in cases)
        {
            var error = Assert.ThrowsAny<Exception>(() => AllButOneJob.Run(request));
            Assert.Contains(message, error.Message, StringComparison.Ordinal);
            Assert.False(Directory.Exists(output), message);
        }
        // The closed-form path refuses the method and its options.
        var closed = Assert.Throws<ErasureInputException>(() =>
            ResolvedErasure.From(Request(output) with { Method = "rece" })
        );
        Assert.Contains("--alternative (for all-but-one)", closed.Message, StringComparison.Ordinal);
        Assert.Contains(
            "runs from rece erase only",
            Assert.Throws<ErasureInputException>(() => ResolvedErasure.From(Request(output))).Message,
            StringComparison.Ordinal
        );
    }
}

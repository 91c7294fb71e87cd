using Rece.Models.Devices;
using Rece.Models.Schedulers;
using TorchSharp;
using static TorchSharp.torch;

namespace Rece.Generation.Tests;

/// <summary>The whole sampler on the meta device (shape-only), standing in for a GPU: any tensor left on the CPU fails
/// it.</summary>
[Collection(TinyPipelineCollection.Name)]
public sealed class DeviceTests(TinyPipelines models)
{
    [Theory]
    [InlineData(SchedulerKind.Lms, Precision.Fp32)]
    [InlineData(SchedulerKind.Ddim, Precision.Fp16)]
    [InlineData(SchedulerKind.Euler, Precision.Bf16)]
    [InlineData(SchedulerKind.Pndm, Precision.Fp32)]
    public void AGuidedBatchFromPromptsAndHostEmbeddingsRunsOnTheDevice(SchedulerKind scheduler, Precision precision)
    {
        using var pipeline = StableDiffusionPipeline.Load(models.V1, precision, device: ComputeDevice.Meta);
        Assert.Equal(DeviceType.META, pipeline.UNet.Device.type);
        Assert.Equal(DeviceType.META, pipeline.Vae.Device.type);
        Assert.Equal(DeviceType.META, pipeline.TextEncoder.Device.type);
        using var embedding = zeros(77, pipeline.EmbeddingDim); // an attack's embedding, made on the host
        var images = pipeline.Generate(
            new[]
            {
                new ImageRequest
                {
                    Prompt = "a photo of a cat",
                    Seed = 1,
                    Guidance = 7.5,
                    Steps = 3,
                    Scheduler = scheduler,
                },
                new ImageRequest
                {
                    Embedding = embedding,
                    Seed = 2,
                    Guidance = 5,
                    Steps = 3,
                    Scheduler = scheduler,
                },
            }
        );
        // Only the 8-bit images come back; from the meta device they are the ones of their shape.
        Assert.All(images, i =>
            Assert.Equal((64, 64, 64 * 64 * 3, true), (i.Width, i.Height, i.Rgb.Length, i.Rgb.All(b => b == 1)))
        );
    }

    [Fact]
    public void AGenerationJobRecordsItsDeviceInTheSettingsAndEveryManifestLine()
    {
        string output = models.NewFolder();
        var summary = GenerationJob.Run(
            new GenerationJobRequest
            {
                ModelDirectory = models.V1,
                Prompt = "a cat",
                OutputDirectory = output,
                Steps = 2,
                Device = ComputeDevice.Meta,
            }
        );
        Assert.Equal(1, summary.Generated);
        Assert.Equal("meta", GenerationSettings.Read(output)!.Device!.Device);
        Assert.Equal("fp32", GenerationSettings.Read(output)!.Precision);
        Assert.Equal("meta (shape-only)", GenerationManifest.ReadFolder(output).Single().Device);
    }

    [Fact]
    public void PrecisionDefaultsByDevice()
    {
        Assert.Equal(Precision.Fp32, Precisions.Resolve("auto", ComputeDevice.Cpu));
        Assert.Equal(Precision.Fp32, Precisions.Resolve(null, ComputeDevice.Cpu));
        Assert.Equal(Precision.Bf16, Precisions.Resolve("bf16", ComputeDevice.Cpu));
        Assert.Throws<GenerationInputException>(() => Precisions.Resolve("fp8", ComputeDevice.Cpu));
    }

    [Fact]
    public void BatchDefaultsFitTheDevice()
    {
        const long GiB = 1L << 30;
        Assert.Equal(1, GenerationBatch.DefaultFor(ComputeDevice.Cpu, 512, 512, Precision.Fp32, 64 * GiB));
        // A T4 (15 GiB) with the SD v1.4 pipeline (2.8 GiB in fp16) and CLIP loaded: about 10 GiB free.
        Assert.Equal(8, GenerationBatch.ForCuda(512, 512, Precision.Fp16, 10 * GiB));
        Assert.Equal(3, GenerationBatch.ForCuda(512, 512, Precision.Fp32, 8 * GiB));
        Assert.Equal(1, GenerationBatch.ForCuda(768, 768, Precision.Fp16, 1 * GiB));
        Assert.Equal(GenerationBatch.MaxDefault, GenerationBatch.ForCuda(512, 512, Precision.Fp16, null));
    }
}

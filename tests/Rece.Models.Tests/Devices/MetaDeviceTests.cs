using Rece.Models.Devices;
using Rece.Models.Fixtures;
using Rece.Models.Layers;
using Rece.Models.Schedulers;
using Rece.Models.TextEncoder;
using Rece.Models.UNet;
using Rece.Models.Vae;
using TorchSharp;
using static TorchSharp.torch;

namespace Rece.Models.Tests.Devices;

/// <summary>
/// The components run on libtorch's meta device (shape-only, no data), which stands in for a GPU here: every tensor a
/// component makes must follow its device, or the run fails, as it would on CUDA.
/// </summary>
public sealed class MetaDeviceTests : IDisposable
{
    private readonly TempFolder _folder = new();
    private readonly string _model;

    public MetaDeviceTests()
    {
        _model = Path.Combine(_folder.Path, "tiny");
        RandomModelFixture.Write(_model, FixtureKind.Tiny, seed: 5);
    }

    public void Dispose() => _folder.Dispose();

    private string Part(params string[] parts) => Path.Combine(new[] { _model }.Concat(parts).ToArray());

    [Theory]
    [InlineData(ScalarType.Float32)]
    [InlineData(ScalarType.Float16)]
    public void TheUNetRunsOnTheMetaDeviceInItsComputeDtype(ScalarType dtype)
    {
        var meta = ComputeDevice.Meta.Torch;
        using var unet = UNet2DConditionModel.Load(
            Part("unet", "config.json"),
            Part("unet", "diffusion_pytorch_model.safetensors"),
            dtype,
            meta
        );
        Assert.Equal(DeviceType.META, unet.Device.type);
        using var scope = NewDisposeScope();
        var c = unet.Config;
        var output = unet.Forward(
            zeros(new long[] { 2, c.InChannels, 8, 8 }, dtype, meta),
            full(new long[] { 2 }, 999f, ScalarType.Float32, device: meta),
            zeros(new long[] { 2, 77, c.CrossAttentionDim }, dtype, meta)
        );
        Assert.Equal(DeviceType.META, output.device_type);
        Assert.Equal(new long[] { 2, c.OutChannels, 8, 8 }, output.shape);
        Assert.Equal(dtype, output.dtype);
    }

    [Fact]
    public void InputsOnAnotherDeviceThanTheUNetAreRefusedByName()
    {
        var meta = ComputeDevice.Meta.Torch;
        using var unet = UNet2DConditionModel.Load(
            Part("unet", "config.json"),
            Part("unet", "diffusion_pytorch_model.safetensors"),
            ScalarType.Float32,
            meta
        );
        using var scope = NewDisposeScope();
        var c = unet.Config;
        var error = Assert.Throws<ArgumentException>(() =>
            unet.Forward(
                zeros(1, c.InChannels, 8, 8),
                full(new long[] { 1 }, 1f, device: meta),
                zeros(new long[] { 1, 77, c.CrossAttentionDim }, device: meta)
            )
        );
        Assert.Contains("The U-Net computes on meta, but the latent sample is on cpu", error.Message);
        error = Assert.Throws<ArgumentException>(() =>
            unet.Forward(
                zeros(new long[] { 1, c.InChannels, 8, 8 }, device: meta),
                full(new long[] { 1 }, 1f),
                zeros(new long[] { 1, 77, c.CrossAttentionDim }, device: meta)
            )
        );
        Assert.Contains("the timesteps tensor is on cpu", error.Message);
    }

    [Fact]
    public void AStrayHostTensorInsideAnOperatorFailsTheRun()
    {
        var meta = ComputeDevice.Meta.Torch;
        using var scope = NewDisposeScope();
        // Operators with libtorch meta kernels check devices themselves; the shape-only stand-ins check them the same
        // way.
        Assert.ThrowsAny<Exception>(() => zeros(new long[] { 2, 3 }, device: meta).add(zeros(2, 3)));
        var error = Assert.Throws<ArgumentException>(() =>
            MetaKernels.Conv2d(zeros(new long[] { 1, 4, 8, 8 }, device: meta), zeros(4, 4, 3, 3), null, 1, 1)
        );
        Assert.Contains("same device", error.Message);
        Assert.Throws<ArgumentException>(() =>
            MetaKernels.Norm(
                "group_norm",
                zeros(new long[] { 1, 4, 8, 8 }, device: meta),
                zeros(4),
                zeros(new long[] { 4 }, device: meta)
            )
        );
        Assert.Throws<ArgumentException>(() =>
            MetaKernels.Attention(
                zeros(new long[] { 1, 2, 5, 8 }, device: meta),
                zeros(1, 2, 7, 8),
                zeros(new long[] { 1, 2, 7, 8 }, device: meta)
            )
        );
        Assert.Throws<ArgumentException>(() =>
            MetaKernels.IndexSelect(
                zeros(new long[] { 10, 4 }, device: meta),
                zeros(new long[] { 3 }, ScalarType.Int64)
            )
        );
        error = Assert.Throws<ArgumentException>(() =>
            MetaKernels.Conv2d(
                zeros(new long[] { 1, 4, 8, 8 }, ScalarType.Float16, meta),
                zeros(new long[] { 4, 4, 3, 3 }, device: meta),
                null,
                1,
                1
            )
        );
        Assert.Contains("dtype", error.Message);
    }

    [Fact]
    public void TheVaeAndTheTextEncoderRunOnTheMetaDevice()
    {
        var meta = ComputeDevice.Meta.Torch;
        using var vae = AutoencoderKL.Load(
            Part("vae", "config.json"),
            Part("vae", "diffusion_pytorch_model.safetensors"),
            ScalarType.Float32,
            meta
        );
        using var encoder = ClipTextEncoder.Load(
            Part("text_encoder", "config.json"),
            Part("text_encoder", "model.safetensors"),
            meta
        );
        using var scope = NewDisposeScope();
        var images = vae.Decode(zeros(new long[] { 1, vae.Config.LatentChannels, 4, 4 }, device: meta));
        Assert.Equal((DeviceType.META, 4 * vae.Config.ScaleFactor), (images.device_type, images.shape[2]));
        var (mean, _) = vae.Encode(zeros(new long[] { 1, 3, 32, 32 }, device: meta));
        Assert.Equal(DeviceType.META, mean.device_type);
        Assert.Throws<ArgumentException>(() => vae.Decode(zeros(1, vae.Config.LatentChannels, 4, 4)));

        var hidden = encoder.Encode(new[] { new int[77], new int[77] });
        Assert.Equal(DeviceType.META, hidden.device_type);
        Assert.Equal(new long[] { 2, 77, encoder.Config.HiddenSize }, hidden.shape);
    }

    [Theory]
    [InlineData(SchedulerKind.Lms)]
    [InlineData(SchedulerKind.Ddim)]
    [InlineData(SchedulerKind.Euler)]
    [InlineData(SchedulerKind.Pndm)]
    public void EverySchedulerKeepsItsStateOnTheDeviceOfItsInputs(SchedulerKind kind)
    {
        var meta = ComputeDevice.Meta.Torch;
        using var scheduler = Scheduler.Create(
            kind,
            SchedulerConfig.Load(Part("scheduler", "scheduler_config.json")),
            6
        );
        using var scope = NewDisposeScope();
        var latents = zeros(new long[] { 2, 4, 8, 8 }, device: meta);
        for (int i = 0; i < scheduler.Timesteps.Count; i++)
        {
            var next = scheduler.Step(
                zeros(new long[] { 2, 4, 8, 8 }, device: meta).mul(scheduler.ModelInputScale(i)),
                i,
                latents
            );
            Assert.Equal(DeviceType.META, next.device_type);
            latents = next;
        }
    }

    [Fact]
    public void ResultsComeBackToTheHostThroughOneBoundary()
    {
        using var scope = NewDisposeScope();
        var onMeta = HostTensors.ToHost(ones(new long[] { 2, 3 }, ScalarType.Float64, ComputeDevice.Meta.Torch));
        Assert.Equal(
            (DeviceType.CPU, ScalarType.Float64, 6.0),
            (onMeta.device_type, onMeta.dtype, onMeta.sum().item<double>())
        );
        var host = ones(3);
        Assert.Same(host, HostTensors.ToHost(host));
        Assert.NotSame(host, HostTensors.CopyToHost(host));
    }
}

using System.Text.Json.Nodes;
using Rece.Models.Diffusers;
using Rece.Models.Fixtures;
using Rece.Models.Safetensors;
using Rece.Models.UNet;
using Rece.Models.Vae;
using static TorchSharp.torch;

namespace Rece.Models.Tests.Loading;

public class StrictLoadingTests : IDisposable
{
    private readonly TempFolder _folder = new();
    private readonly string _model;

    public StrictLoadingTests()
    {
        _model = Path.Combine(_folder.Path, "tiny");
        RandomModelFixture.Write(_model, FixtureKind.Tiny, seed: 4);
    }

    public void Dispose() => _folder.Dispose();

    private string UNetWeights => Path.Combine(_model, "unet", "diffusion_pytorch_model.safetensors");
    private string UNetConfigPath => Path.Combine(_model, "unet", "config.json");
    private string VaeWeights => Path.Combine(_model, "vae", "diffusion_pytorch_model.safetensors");
    private string VaeConfigPath => Path.Combine(_model, "vae", "config.json");

    /// <summary>Rewrites a safetensors file through <paramref name="edit"/> (name, dtype, shape, bytes) ->
    /// entries.</summary>
    private static void Rewrite(string path, Func<TensorToWrite, IEnumerable<TensorToWrite>> edit)
    {
        List<TensorToWrite> tensors;
        using (var file = SafetensorsFile.Open(path))
            tensors = file
                .Tensors.SelectMany(t => edit(new TensorToWrite(t.Name, t.DType, t.Shape, file.ReadBytes(t))))
                .ToList();
        SafetensorsWriter.Write(path, tensors);
    }

    [Fact]
    public void TheTinyFixtureLoadsEveryComponentStrictly()
    {
        using var unet = UNet2DConditionModel.Load(UNetConfigPath, UNetWeights);
        using var vae = AutoencoderKL.Load(VaeConfigPath, VaeWeights);
        Assert.Equal(UNetLayout.Tensors(unet.Config).Sum(s => s.ElementCount), unet.ParameterCount);
        Assert.Equal(VaeLayout.Tensors(vae.Config).Sum(s => s.ElementCount), vae.ParameterCount);
        var index = JsonNode.Parse(File.ReadAllText(Path.Combine(_model, DiffusersModel.ModelIndexFile)))!;
        Assert.Equal("AutoencoderKL", index["vae"]![1]!.GetValue<string>());
        Assert.Equal(8, vae.Config.ScaleFactor);
        Assert.Equal(64, unet.Config.SampleSize * vae.Config.ScaleFactor);
    }

    [Fact]
    public void WeightsAreConvertedToTheComputeDType()
    {
        using var unet = UNet2DConditionModel.Load(UNetConfigPath, UNetWeights, ScalarType.BFloat16);
        Assert.Equal(ScalarType.BFloat16, unet.DType);
        using var scope = NewDisposeScope();
        var output = unet.Forward(
            randn(1, 4, 8, 8).to(ScalarType.BFloat16),
            tensor(new float[] { 500 }),
            randn(1, 77, 32).to(ScalarType.BFloat16)
        );
        Assert.Equal(ScalarType.BFloat16, output.dtype);
    }

    [Fact]
    public void AMissingTensorIsNamed()
    {
        Rewrite(UNetWeights, t =>
            t.Name == "mid_block.attentions.0.transformer_blocks.0.attn2.to_k.weight"
                ? Array.Empty<TensorToWrite>()
                : new[] { t }
        );
        var e = Assert.Throws<ModelFormatException>(() => UNet2DConditionModel.Load(UNetConfigPath, UNetWeights));
        Assert.Contains("lacks 1 tensor(s)", e.Message);
        Assert.Contains("mid_block.attentions.0.transformer_blocks.0.attn2.to_k.weight", e.Message);
    }

    [Fact]
    public void AnUnexpectedTensorIsNamed()
    {
        Rewrite(VaeWeights, t =>
            t.Name == "quant_conv.bias" ? new[] { t, t with { Name = "encoder.extra_layer.bias" } } : new[] { t }
        );
        var e = Assert.Throws<ModelFormatException>(() => AutoencoderKL.Load(VaeConfigPath, VaeWeights));
        Assert.Contains("encoder.extra_layer.bias", e.Message);
        Assert.Contains("does not have", e.Message);
    }

    [Fact]
    public void AShapeMismatchIsNamedWithBothShapes()
    {
        // The config says 64 channels in the second block; the checkpoint's conv has 48 outputs.
        Rewrite(UNetWeights, t =>
            t.Name == "down_blocks.1.resnets.0.conv1.bias"
                ? new[] { t with { Shape = new long[] { 48 }, Data = t.Data[..(48 * 4)] } }
                : new[] { t }
        );
        var e = Assert.Throws<ModelFormatException>(() => UNet2DConditionModel.Load(UNetConfigPath, UNetWeights));
        Assert.Contains("down_blocks.1.resnets.0.conv1.bias has shape [48]", e.Message);
        Assert.Contains("implies [64]", e.Message);
    }

    [Fact]
    public void OlderVaeAttentionNamesLoad()
    {
        Rewrite(VaeWeights, t =>
            new[]
            {
                t with
                {
                    Name = t
                        .Name.Replace("attentions.0.to_q.", "attentions.0.query.")
                        .Replace("attentions.0.to_out.0.", "attentions.0.proj_attn."),
                },
            }
        );
        using var vae = AutoencoderKL.Load(VaeConfigPath, VaeWeights);
        Assert.Equal(VaeLayout.Tensors(vae.Config).Sum(s => s.ElementCount), vae.ParameterCount);
    }

    [Fact]
    public void UnsupportedUNetFeaturesAreRefusedByName()
    {
        var config = JsonNode.Parse(File.ReadAllText(UNetConfigPath))!.AsObject();
        config["resnet_time_scale_shift"] = "scale_shift";
        File.WriteAllText(UNetConfigPath, config.ToJsonString());
        Assert.Contains(
            "resnet_time_scale_shift",
            Assert.Throws<ModelFormatException>(() => UNetConfig.Load(UNetConfigPath)).Message
        );
        config["resnet_time_scale_shift"] = "default";
        config["attention_head_dim"] = 5;
        File.WriteAllText(UNetConfigPath, config.ToJsonString());
        Assert.Contains(
            "not divisible into 5 attention heads",
            Assert.Throws<ModelFormatException>(() => UNetConfig.Load(UNetConfigPath)).Message
        );
    }

    [Fact]
    public void FullSizeFixtureHasTheRealComponentShapes()
    {
        var spec = RandomModelFixture.For(FixtureKind.StableDiffusionV14);
        // Public parameter counts of CompVis/stable-diffusion-v1-4: U-Net 859.52M, VAE 83.65M, CLIP ViT-L/14 text
        // encoder 123.06M.
        Assert.Equal(859_520_964, UNetLayout.Tensors(spec.UNet).Sum(s => s.ElementCount));
        Assert.Equal(83_653_863, VaeLayout.Tensors(spec.Vae).Sum(s => s.ElementCount));
        Assert.Equal(123_060_480, spec.TextEncoder.Layout().Sum(s => s.ElementCount));
        Assert.Equal(0.18215, spec.Vae.ScalingFactor);
        Assert.Equal(512, spec.UNet.SampleSize * spec.Vae.ScaleFactor);
        var v2 = RandomModelFixture.For(FixtureKind.StableDiffusionV2);
        Assert.Equal(768, v2.UNet.SampleSize * v2.Vae.ScaleFactor);
        Assert.Equal("v_prediction", v2.Scheduler.PredictionType);
    }
}

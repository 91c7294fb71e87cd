using System.Text.Json.Nodes;
using Rece.Models.Configuration;
using Rece.Models.Diffusers;
using Rece.Models.Fixtures;
using Rece.Models.Tokenization;

namespace Rece.Models.Tests.Diffusers;

public class DiffusersModelTests
{
    [Fact]
    public void TheTinyFixtureIsAStableDiffusionV1Folder()
    {
        using var dir = new TempFolder();
        RandomModelFixture.Write(dir.Path, FixtureKind.Tiny, seed: 1, fp16Variant: true);
        var model = DiffusersModel.Open(dir.Path);

        Assert.Equal(32, model.EmbeddingDim);
        Assert.Equal(new[] { null, "fp16" }, model.UNetWeights.Select(w => w.Variant));
        Assert.EndsWith("model.safetensors", model.TextEncoderWeightsPath);
        foreach (
            var file in new[]
            {
                "model_index.json",
                "scheduler/scheduler_config.json",
                "unet/config.json",
                "text_encoder/config.json",
                "tokenizer/vocab.json",
                "tokenizer/merges.txt",
                "tokenizer/tokenizer_config.json",
                "tokenizer/special_tokens_map.json",
            }
        )
            Assert.True(File.Exists(Path.Combine(dir.Path, file)), file);
        Assert.Equal(
            ClipTokenizer.FromEmbeddedVocabulary().EosId,
            ClipTokenizer.FromFolder(model.TokenizerDirectory).PadId
        );
    }

    [Fact]
    public void TheTinyV2FixtureHasTheStableDiffusionV2Conventions()
    {
        using var dir = new TempFolder();
        RandomModelFixture.Write(dir.Path, FixtureKind.TinyV2);
        var model = DiffusersModel.Open(dir.Path);
        Assert.Equal("gelu", model.TextEncoder.HiddenAct);
        Assert.True(model.UNet.UseLinearProjection);
        Assert.Equal(new[] { 4, 8 }, model.UNet.AttentionHeadDim);
        var tokenizer = ClipTokenizer.FromFolder(model.TokenizerDirectory);
        Assert.Equal("!", tokenizer.PadToken);
        Assert.Equal(0, tokenizer.PadId);
    }

    [Fact]
    public void AMissingFolderIsNamed()
    {
        var error = Assert.Throws<ModelFormatException>(() => DiffusersModel.Open("/nonexistent/model"));
        Assert.Contains("/nonexistent/model", error.Message);
        Assert.Contains("does not exist", error.Message);
    }

    [Fact]
    public void AFolderWithoutModelIndexIsNotADiffusersModel()
    {
        using var dir = new TempFolder();
        File.WriteAllText(Path.Combine(dir.Path, "sd-v1-4.ckpt"), "x");
        var error = Assert.Throws<ModelFormatException>(() => DiffusersModel.Open(dir.Path));
        Assert.Contains("model_index.json", error.Message);
        Assert.Contains("single-file checkpoint", error.Message);
    }

    [Theory]
    [InlineData("unet")]
    [InlineData("text_encoder")]
    [InlineData("tokenizer")]
    public void AMissingComponentFolderIsNamed(string component)
    {
        using var dir = new TempFolder();
        RandomModelFixture.Write(dir.Path, FixtureKind.Tiny);
        Directory.Delete(Path.Combine(dir.Path, component), recursive: true);
        Assert.Contains(
            $"{component}/",
            Assert.Throws<ModelFormatException>(() => DiffusersModel.Open(dir.Path)).Message
        );
    }

    [Fact]
    public void PickleOnlyWeightsAreRefusedWithTheConversionCommand()
    {
        using var dir = new TempFolder();
        RandomModelFixture.Write(dir.Path, FixtureKind.Tiny);
        string unet = Path.Combine(dir.Path, "unet");
        File.Delete(Path.Combine(unet, "diffusion_pytorch_model.safetensors"));
        File.WriteAllBytes(Path.Combine(unet, "diffusion_pytorch_model.bin"), new byte[] { 0x80, 0x02 });
        var error = Assert.Throws<ModelFormatException>(() => DiffusersModel.Open(dir.Path));
        Assert.Contains("diffusion_pytorch_model.bin", error.Message);
        Assert.Contains("pickle", error.Message);
        Assert.Contains("safe_serialization=True", error.Message);

        File.Move(
            Path.Combine(dir.Path, "text_encoder", "model.safetensors"),
            Path.Combine(dir.Path, "text_encoder", "pytorch_model.bin")
        );
        File.Move(Path.Combine(unet, "diffusion_pytorch_model.bin"), Path.Combine(dir.Path, "x.bin"));
        RandomModelFixture.Write(Path.Combine(dir.Path, "again"), FixtureKind.Tiny);
        File.Copy(
            Path.Combine(dir.Path, "again", "unet", "diffusion_pytorch_model.safetensors"),
            Path.Combine(unet, "diffusion_pytorch_model.safetensors")
        );
        var textError = Assert.Throws<ModelFormatException>(() => DiffusersModel.Open(dir.Path));
        Assert.Contains("pytorch_model.bin", textError.Message);
        Assert.Contains("safe_serialization=True", textError.Message);
    }

    [Fact]
    public void UnknownArchitecturesAreRefused()
    {
        using var dir = new TempFolder();
        RandomModelFixture.Write(dir.Path, FixtureKind.Tiny);
        string index = Path.Combine(dir.Path, "model_index.json");
        var json = JsonConfig.Load(index).Root;
        json["text_encoder_2"] = new JsonArray("transformers", "CLIPTextModelWithProjection");
        json["_class_name"] = "StableDiffusionXLPipeline";
        JsonConfig.Write(index, json);
        var error = Assert.Throws<ModelFormatException>(() => DiffusersModel.Open(dir.Path));
        Assert.Contains("text_encoder_2", error.Message);
        Assert.Contains("unknown architecture", error.Message);

        json.Remove("text_encoder_2");
        JsonConfig.Write(index, json);
        string unetConfig = Path.Combine(dir.Path, "unet", "config.json");
        var unet = JsonConfig.Load(unetConfig).Root;
        unet["_class_name"] = "UNet2DModel";
        JsonConfig.Write(unetConfig, unet);
        Assert.Contains(
            "UNet2DModel",
            Assert.Throws<ModelFormatException>(() => DiffusersModel.Open(dir.Path)).Message
        );

        unet["_class_name"] = "UNet2DConditionModel";
        unet["addition_embed_type"] = "text_time";
        JsonConfig.Write(unetConfig, unet);
        Assert.Contains(
            "addition_embed_type",
            Assert.Throws<ModelFormatException>(() => DiffusersModel.Open(dir.Path)).Message
        );
    }

    [Fact]
    public void ComponentsThatDisagreeAreRefused()
    {
        using var dir = new TempFolder();
        RandomModelFixture.Write(dir.Path, FixtureKind.Tiny);
        string unetConfig = Path.Combine(dir.Path, "unet", "config.json");
        var unet = JsonConfig.Load(unetConfig).Root;
        unet["cross_attention_dim"] = 64;
        JsonConfig.Write(unetConfig, unet);
        var error = Assert.Throws<ModelFormatException>(() => DiffusersModel.Open(dir.Path));
        Assert.Contains("cross_attention_dim (64)", error.Message);
        Assert.Contains("hidden_size (32)", error.Message);
    }
}

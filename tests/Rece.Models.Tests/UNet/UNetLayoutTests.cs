using Rece.Models.UNet;

namespace Rece.Models.Tests.UNet;

public class UNetLayoutTests
{
    [Fact]
    public void StableDiffusionV14HasItsKnownTensorsAndParameterCount()
    {
        var layout = UNetLayout.Tensors(UNetConfig.StableDiffusionV1);
        Assert.Equal(686, layout.Count);
        Assert.Equal(859_520_964, layout.Sum(s => s.ElementCount));
        Assert.Equal(layout.Count, layout.Select(s => s.Name).Distinct().Count());

        var byName = layout.ToDictionary(s => s.Name, s => s.Shape);
        Assert.Equal(new long[] { 320, 4, 3, 3 }, byName["conv_in.weight"]);
        Assert.Equal(new long[] { 320, 320, 1, 1 }, byName["down_blocks.0.attentions.0.proj_in.weight"]);
        Assert.Equal(new long[] { 640, 320, 1, 1 }, byName["down_blocks.1.resnets.0.conv_shortcut.weight"]);
        Assert.Equal(new long[] { 1280, 2560, 3, 3 }, byName["up_blocks.0.resnets.0.conv1.weight"]);
        Assert.Equal(new long[] { 320, 960, 1, 1 }, byName["up_blocks.3.resnets.0.conv_shortcut.weight"]);
        Assert.Equal(
            new long[] { 5120, 640 },
            byName["up_blocks.2.attentions.1.transformer_blocks.0.ff.net.0.proj.weight"]
        );
    }

    [Fact]
    public void StableDiffusionV14Has32CrossAttentionKeyAndValueMatrices()
    {
        var kv = UNetLayout.CrossAttentionKeysAndValues(UNetConfig.StableDiffusionV1);
        Assert.Equal(32, kv.Count);
        Assert.All(kv, s => Assert.Equal(768, s.Shape[1]));
        Assert.Equal(new long[] { 320, 640, 1280 }, kv.Select(s => s.Shape[0]).Distinct().OrderBy(x => x));
        Assert.Equal(2 * 12480, kv.Sum(s => s.Shape[0]));
        Assert.Contains(kv, s =>
            s.Name == "down_blocks.0.attentions.0.transformer_blocks.0.attn2.to_k.weight" && s.Shape[0] == 320
        );
        Assert.Contains(kv, s =>
            s.Name == "mid_block.attentions.0.transformer_blocks.0.attn2.to_v.weight" && s.Shape[0] == 1280
        );
        Assert.DoesNotContain(kv, s => s.Name.Contains("attn1"));
    }

    [Fact]
    public void StableDiffusionV2UsesLinearProjectionsAnd1024WideKeys()
    {
        var config = UNetConfig.StableDiffusionV1 with
        {
            CrossAttentionDim = 1024,
            UseLinearProjection = true,
            AttentionHeadDim = new[] { 5, 10, 20, 20 },
        };
        var byName = UNetLayout.Tensors(config).ToDictionary(s => s.Name, s => s.Shape);
        Assert.Equal(new long[] { 320, 320 }, byName["down_blocks.0.attentions.0.proj_in.weight"]);
        Assert.Equal(
            new long[] { 1280, 1024 },
            byName["mid_block.attentions.0.transformer_blocks.0.attn2.to_k.weight"]
        );
        Assert.Equal(865_910_724, byName.Values.Sum(s => s.Aggregate(1L, (a, b) => a * b)));
    }
}

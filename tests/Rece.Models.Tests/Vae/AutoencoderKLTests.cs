using Rece.Models.Tests.Reference;
using Rece.Models.Vae;
using static TorchSharp.torch;

namespace Rece.Models.Tests.Vae;

public class AutoencoderKLTests
{
    private static VaeConfig Tiny =>
        new()
        {
            BlockOutChannels = new[] { 16, 16, 32, 32 },
            LayersPerBlock = 1,
            NormNumGroups = 8,
        };

    [Fact]
    public void DecoderMatchesTheReferenceComputation()
    {
        var (tensors, naive) = RandomWeights.For(VaeLayout.Tensors(Tiny), seed: 21);
        using var vae = AutoencoderKL.FromWeights(Tiny, tensors);
        using var scope = NewDisposeScope();
        using var generator = new Generator(2);
        var latents = randn(new long[] { 1, 4, 3, 2 }, generator: generator);

        var images = vae.Decode(latents);

        Assert.Equal(new long[] { 1, 3, 24, 16 }, images.shape);
        var expected = NaiveVae.Decode(Tiny, naive, RandomWeights.ToMap(latents[0]));
        double error = RandomWeights.RelativeError(images[0], expected);
        Assert.True(error < 2e-4, $"relative error {error}");
    }

    [Fact]
    public void EncoderMatchesTheReferenceComputation()
    {
        var (tensors, naive) = RandomWeights.For(VaeLayout.Tensors(Tiny), seed: 22);
        using var vae = AutoencoderKL.FromWeights(Tiny, tensors);
        using var scope = NewDisposeScope();
        using var generator = new Generator(3);
        var images = rand(new long[] { 1, 3, 16, 24 }, generator: generator).mul_(2).sub_(1);

        var (mean, logVariance) = vae.Encode(images);

        Assert.Equal(new long[] { 1, 4, 2, 3 }, mean.shape);
        var (expectedMean, expectedLogVariance) = NaiveVae.Encode(Tiny, naive, RandomWeights.ToMap(images[0]));
        Assert.True(RandomWeights.RelativeError(mean[0], expectedMean) < 2e-4);
        Assert.True(RandomWeights.RelativeError(logVariance[0], expectedLogVariance) < 2e-4);
    }

    [Fact]
    public void StableDiffusionVaeHasItsPublishedTensorsAndParameterCount()
    {
        var layout = VaeLayout.Tensors(VaeConfig.StableDiffusion);
        // diffusers' AutoencoderKL of CompVis/stable-diffusion-v1-4 (and SD 2.x): 83,653,863 parameters.
        Assert.Equal(83_653_863, layout.Sum(s => s.ElementCount));
        Assert.Equal(layout.Count, layout.Select(s => s.Name).Distinct().Count());
        var byName = layout.ToDictionary(s => s.Name, s => s.Shape);
        Assert.Equal(new long[] { 128, 3, 3, 3 }, byName["encoder.conv_in.weight"]);
        Assert.Equal(new long[] { 256, 128, 1, 1 }, byName["encoder.down_blocks.1.resnets.0.conv_shortcut.weight"]);
        Assert.Equal(new long[] { 512, 512 }, byName["encoder.mid_block.attentions.0.to_q.weight"]);
        Assert.Equal(new long[] { 8, 512, 3, 3 }, byName["encoder.conv_out.weight"]);
        Assert.Equal(new long[] { 8, 8, 1, 1 }, byName["quant_conv.weight"]);
        Assert.Equal(new long[] { 4, 4, 1, 1 }, byName["post_quant_conv.weight"]);
        Assert.Equal(new long[] { 512, 4, 3, 3 }, byName["decoder.conv_in.weight"]);
        Assert.Equal(new long[] { 256, 512, 1, 1 }, byName["decoder.up_blocks.2.resnets.0.conv_shortcut.weight"]);
        Assert.Equal(new long[] { 128, 128, 3, 3 }, byName["decoder.up_blocks.3.resnets.2.conv2.weight"]);
        Assert.Equal(new long[] { 3, 128, 3, 3 }, byName["decoder.conv_out.weight"]);
        Assert.DoesNotContain("decoder.up_blocks.3.upsamplers.0.conv.weight", byName.Keys);
        Assert.Equal(8, VaeConfig.StableDiffusion.ScaleFactor);
    }

    [Theory]
    [InlineData("encoder.mid_block.attentions.0.query.weight", "encoder.mid_block.attentions.0.to_q.weight")]
    [InlineData("decoder.mid_block.attentions.0.proj_attn.bias", "decoder.mid_block.attentions.0.to_out.0.bias")]
    [InlineData("decoder.mid_block.attentions.0.value.weight", "decoder.mid_block.attentions.0.to_v.weight")]
    [InlineData("decoder.mid_block.resnets.0.conv1.weight", "decoder.mid_block.resnets.0.conv1.weight")]
    public void OlderAttentionNamesMapToCurrentOnes(string stored, string canonical) =>
        Assert.Equal(canonical, VaeLayout.CanonicalName(stored));
}

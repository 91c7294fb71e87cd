using Rece.Models.Tests.Reference;
using Rece.Models.UNet;
using static TorchSharp.torch;

namespace Rece.Models.Tests.UNet;

/// <summary>The TorchSharp U-Net against the loop implementation of diffusers' semantics, on random weights.</summary>
public class UNetForwardTests
{
    private static UNetConfig TinyV1 =>
        new()
        {
            BlockOutChannels = new[] { 32, 64 },
            LayersPerBlock = 1,
            CrossAttentionDim = 24,
            AttentionHeadDim = new[] { 2, 4 },
            DownBlockTypes = new[] { UNetConfig.CrossAttnDown, UNetConfig.Down },
            UpBlockTypes = new[] { UNetConfig.Up, UNetConfig.CrossAttnUp },
            NormNumGroups = 8,
            SampleSize = 8,
        };

    private static UNetConfig TinyV2 =>
        TinyV1 with
        {
            UseLinearProjection = true,
            AttentionHeadDim = new[] { 4, 8 },
            DownBlockTypes = new[] { UNetConfig.CrossAttnDown, UNetConfig.CrossAttnDown },
            UpBlockTypes = new[] { UNetConfig.CrossAttnUp, UNetConfig.CrossAttnUp },
        };

    public static TheoryData<string, int, int> Cases =>
        new()
        {
            { "v1", 8, 8 },
            { "v1", 5, 7 }, // odd sides: the upsampler must restore the skip's size (diffusers' upsample_size)
            { "v2", 6, 6 },
        };

    [Theory]
    [MemberData(nameof(Cases))]
    public void MatchesTheReferenceComputation(string variant, int height, int width)
    {
        var config = variant == "v1" ? TinyV1 : TinyV2;
        var (tensors, naive) = RandomWeights.For(UNetLayout.Tensors(config), seed: 11);
        using var unet = UNet2DConditionModel.FromWeights(config, tensors);
        using var scope = NewDisposeScope();
        using var generator = new Generator(5);
        var sample = randn(new long[] { 2, 4, height, width }, generator: generator);
        var context = randn(new long[] { 2, 7, 24 }, generator: generator);
        var timesteps = tensor(new float[] { 981f, 37.5f });

        var output = unet.Forward(sample, timesteps, context);

        Assert.Equal(new long[] { 2, 4, height, width }, output.shape);
        for (int b = 0; b < 2; b++)
        {
            var ctx = new double[7, 24];
            var c = context[b].data<float>().ToArray();
            for (int i = 0; i < 7; i++)
            for (int j = 0; j < 24; j++)
                ctx[i, j] = c[i * 24 + j];
            var expected = NaiveUNet.Forward(
                config,
                naive,
                RandomWeights.ToMap(sample[b]),
                timesteps[b].item<float>(),
                ctx
            );
            double error = RandomWeights.RelativeError(output[b], expected);
            Assert.True(error < 2e-4, $"image {b}: relative error {error}");
        }
    }

    [Fact]
    public void TimestepsChangeTheOutput()
    {
        var (tensors, _) = RandomWeights.For(UNetLayout.Tensors(TinyV1), seed: 3);
        using var unet = UNet2DConditionModel.FromWeights(TinyV1, tensors);
        using var scope = NewDisposeScope();
        var sample = randn(1, 4, 8, 8);
        var context = randn(1, 7, 24);
        var a = unet.Forward(sample, tensor(new float[] { 10 }), context);
        var b = unet.Forward(sample, tensor(new float[] { 900 }), context);
        var c = unet.Forward(sample, tensor(new float[] { 10 }), randn(1, 7, 24));
        Assert.True(a.sub(b).abs().max().item<float>() > 1e-3);
        Assert.True(a.sub(c).abs().max().item<float>() > 1e-3);
    }

    [Fact]
    public void WrongInputsAreRejectedWithTheirShapes()
    {
        var (tensors, _) = RandomWeights.For(UNetLayout.Tensors(TinyV1), seed: 3);
        using var unet = UNet2DConditionModel.FromWeights(TinyV1, tensors);
        using var scope = NewDisposeScope();
        var e = Assert.Throws<ArgumentException>(() =>
            unet.Forward(randn(1, 4, 8, 8), tensor(new float[] { 1 }), randn(1, 7, 32))
        );
        Assert.Contains("[1, tokens, 24]", e.Message);
        e = Assert.Throws<ArgumentException>(() =>
            unet.Forward(randn(1, 3, 8, 8), tensor(new float[] { 1 }), randn(1, 7, 24))
        );
        Assert.Contains("[B, 4, h, w]", e.Message);
    }

    [Fact]
    public void ASharingViewComputesWithItsOverridesAndLeavesTheModelWhole()
    {
        var (tensors, _) = RandomWeights.For(UNetLayout.Tensors(TinyV1), seed: 11);
        var (others, _) = RandomWeights.For(UNetLayout.Tensors(TinyV1), seed: 12);
        using var unet = UNet2DConditionModel.FromWeights(TinyV1, tensors);
        using var reference = UNet2DConditionModel.FromWeights(TinyV1, others);
        string key = UNetLayout.CrossAttentionKeysAndValues(TinyV1)[0].Name;
        using var scope = NewDisposeScope();
        using var generator = new Generator(5);
        var sample = randn(new long[] { 1, 4, 8, 8 }, generator: generator);
        var context = randn(new long[] { 1, 7, 24 }, generator: generator);
        var t = tensor(new float[] { 500f });
        var before = unet.Forward(sample, t, context);

        using (var view = unet.Sharing(new Dictionary<string, Tensor> { [key] = reference.Weights[key] }))
        {
            // Only the overridden tensor differs from the model's: the output moves, and equals the model's once the
            // model holds the same value.
            Assert.False(view.Forward(sample, t, context).allclose(before));
            var shared = view.Forward(sample, t, context);
            unet.ReplaceWeights(new Dictionary<string, Tensor> { [key] = reference.Weights[key] });
            Assert.True(unet.Forward(sample, t, context).allclose(shared, rtol: 0, atol: 0));
        }
        // Disposing the view disposed nothing of the model's.
        Assert.Equal(before.shape, unet.Forward(sample, t, context).shape);
        Assert.Throws<ArgumentException>(() => unet.Sharing(new Dictionary<string, Tensor> { [key] = zeros(3, 3) }));
    }
}

using Rece.Models.Layers;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace Rece.Models.Tests.Training;

/// <summary>The convolution autograd records on the CPU (unfold and a matrix product) is conv2d, values and
/// gradients.</summary>
public sealed class UnfoldedConvTests
{
    [Theory]
    [InlineData(1, 1, 3)]
    [InlineData(2, 1, 3)]
    [InlineData(2, 0, 3)]
    [InlineData(1, 0, 1)]
    public void ValuesAndInputGradientsEqualConv2d(long stride, long padding, long kernel)
    {
        var g = new Generator(3);
        var x = randn(new long[] { 2, 4, 9, 7 }, dtype: ScalarType.Float64, generator: g);
        var w = randn(new long[] { 5, 4, kernel, kernel }, dtype: ScalarType.Float64, generator: g);
        var b = randn(new long[] { 5 }, dtype: ScalarType.Float64, generator: g);
        var upstream = randn(
            F.conv2d(x, w, b, strides: new[] { stride, stride }, padding: new[] { padding, padding }).shape,
            dtype: ScalarType.Float64,
            generator: g
        );

        var a = x.detach().requires_grad_(true);
        var expected = F.conv2d(a, w, b, strides: new[] { stride, stride }, padding: new[] { padding, padding });
        expected.mul(upstream).sum().backward();
        var c = x.detach().requires_grad_(true);
        var actual = Functional.UnfoldedConv(c, w, b, stride, padding);
        actual.mul(upstream).sum().backward();

        Assert.Equal(expected.shape, actual.shape);
        Assert.True(actual.sub(expected).abs().max().item<double>() < 1e-12, "values");
        Assert.True(c.grad!.sub(a.grad!).abs().max().item<double>() < 1e-12, "input gradients");
    }
}

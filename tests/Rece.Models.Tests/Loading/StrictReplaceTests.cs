using Rece.Models.Loading;
using static TorchSharp.torch;

namespace Rece.Models.Tests.Loading;

public class StrictReplaceTests
{
    [Fact]
    public void NamedTensorsAreOverwrittenInPlaceConvertedToTheLoadedDtype()
    {
        using var a = zeros(2, 3);
        using var b = ones(4);
        var weights = new Dictionary<string, Tensor> { ["a"] = a, ["b"] = b };
        using var value = full(new long[] { 2, 3 }, 0.5, ScalarType.Float64);

        StrictWeights.Replace(weights, new Dictionary<string, Tensor> { ["a"] = value }, "U-Net", "tensor");

        Assert.Same(a, weights["a"]);
        Assert.Equal(ScalarType.Float32, a.dtype);
        Assert.Equal(Enumerable.Repeat(0.5f, 6), a.data<float>().ToArray());
        Assert.Equal(Enumerable.Repeat(1f, 4), b.data<float>().ToArray());
    }

    [Fact]
    public void AnUnknownNameOrAnotherShapeIsRefusedBeforeAnythingChanges()
    {
        using var a = zeros(2, 3);
        var weights = new Dictionary<string, Tensor> { ["a"] = a };
        using var good = ones(2, 3);
        using var wrong = ones(3, 2);

        var unknown = Assert.Throws<ArgumentException>(() =>
            StrictWeights.Replace(
                weights,
                new Dictionary<string, Tensor> { ["a"] = good, ["c"] = good },
                "text encoder",
                "weight"
            )
        );
        Assert.StartsWith("The text encoder has no weight c.", unknown.Message, StringComparison.Ordinal);
        var shape = Assert.Throws<ArgumentException>(() =>
            StrictWeights.Replace(weights, new Dictionary<string, Tensor> { ["a"] = wrong }, "text encoder", "weight")
        );
        Assert.StartsWith("Text encoder weight a has shape [2, 3]", shape.Message, StringComparison.Ordinal);
        // The good replacement listed before the unknown name was not applied either.
        Assert.Equal(Enumerable.Repeat(0f, 6), a.data<float>().ToArray());
    }
}

using static TorchSharp.torch;

namespace Rece.Models.Tests.Reference;

/// <summary>Random weights for a layout: every tensor non-trivial (biases and norm scales too), scaled to keep
/// activations of order one.</summary>
public static class RandomWeights
{
    public static (Dictionary<string, Tensor> Tensors, NaiveWeights Naive) For(
        IReadOnlyList<TensorSpec> layout,
        ulong seed
    )
    {
        using var generator = new Generator(seed);
        var tensors = new Dictionary<string, Tensor>();
        var naive = new Dictionary<string, double[]>();
        foreach (var spec in layout)
        {
            Tensor t;
            if (spec.Shape.Length == 1)
                t =
                    spec.Name.Contains("norm", StringComparison.Ordinal)
                    && spec.Name.EndsWith(".weight", StringComparison.Ordinal)
                        ? ones(spec.Shape).add_(randn(spec.Shape, generator: generator).mul_(0.2))
                        : randn(spec.Shape, generator: generator).mul_(0.1);
            else
            {
                long fanIn = spec.Shape.Skip(1).Aggregate(1L, (a, b) => a * b);
                t = randn(spec.Shape, generator: generator).mul_(1 / Math.Sqrt(fanIn));
            }
            tensors[spec.Name] = t.DetachFromDisposeScope();
            naive[spec.Name] = t.data<float>().Select(v => (double)v).ToArray();
        }
        return (tensors, new NaiveWeights(naive));
    }

    public static Map ToMap(Tensor t)
    {
        var m = new Map((int)t.shape[0], (int)t.shape[1], (int)t.shape[2]);
        var data = t.to(ScalarType.Float32).contiguous().data<float>().ToArray();
        for (int i = 0; i < data.Length; i++)
            m.Data[i] = data[i];
        return m;
    }

    /// <summary>Max |a - b| relative to max |b|.</summary>
    public static double RelativeError(Tensor actual, Map expected)
    {
        var a = actual.to(ScalarType.Float32).contiguous().data<float>().ToArray();
        Assert.Equal(expected.Data.Length, a.Length);
        double scale = expected.Data.Max(Math.Abs),
            error = 0;
        for (int i = 0; i < a.Length; i++)
            error = Math.Max(error, Math.Abs(a[i] - expected.Data[i]));
        Assert.True(scale > 1e-3, $"the reference output is degenerate (max |x| = {scale})");
        return error / scale;
    }
}

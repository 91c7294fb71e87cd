using Rece.Engine.Speed;
using static TorchSharp.torch;

namespace Rece.Engine.Tests.Speed;

/// <summary>Seeded float64 inputs of a SPEED edit, small enough to check by hand or by a direct formula.</summary>
internal static class SpeedData
{
    public static Tensor Normal(Generator g, long rows, long cols) =>
        randn(rows, cols, dtype: ScalarType.Float64, generator: g);

    /// <summary>An orthonormal basis (d x k) of a random k-dimensional subspace.</summary>
    public static Tensor Basis(Generator g, long d, long k) => linalg.qr(Normal(g, d, k)).Q;

    /// <summary>n rows lying exactly in the span of <paramref name="basis"/> (d x k).</summary>
    public static Tensor RowsIn(Generator g, Tensor basis, long n) => Normal(g, n, basis.shape[1]).mm(basis.t());

    public static List<SpeedPair> Pairs(Generator g, long d, int concepts, long rows = 1) =>
        Enumerable.Range(0, concepts).Select(_ => new SpeedPair(Normal(g, rows, d), Normal(g, rows, d))).ToList();

    public static Tensor Identity(long d) => eye(d, dtype: ScalarType.Float64);

    /// <summary>Equal shapes and equal bits (float64).</summary>
    public static bool Same(Tensor a, Tensor b) =>
        a.shape.SequenceEqual(b.shape) && a.data<double>().ToArray().SequenceEqual(b.data<double>().ToArray());

    public static double Relative(Tensor actual, Tensor expected) =>
        actual.sub(expected).norm().item<double>() / expected.norm().item<double>();
}

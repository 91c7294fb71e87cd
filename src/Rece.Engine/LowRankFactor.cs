using static TorchSharp.torch;

namespace Rece.Engine;

/// <summary>
/// The edit as a factor of every K/V matrix: W_new = W F with F = I + U V^T (d x d, rank = number of erased vectors).
/// </summary>
public sealed class LowRankFactor : IDisposable
{
    internal LowRankFactor(Tensor u, Tensor v)
    {
        U = u;
        V = v;
    }

    /// <summary>d x n, float64.</summary>
    public Tensor U { get; }

    /// <summary>d x n, float64.</summary>
    public Tensor V { get; }

    public Tensor ToDense()
    {
        using var scope = NewDisposeScope();
        var dense = eye(U.shape[0], dtype: ScalarType.Float64).addmm_(U, V.t());
        return dense.MoveToOuterDisposeScope();
    }

    public void Dispose()
    {
        U.Dispose();
        V.Dispose();
    }
}

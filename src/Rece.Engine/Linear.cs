using static TorchSharp.torch;

namespace Rece.Engine;

/// <summary>Dense linear algebra helpers, always in float64.</summary>
internal static class Linear
{
    /// <summary>
    /// Solves A X = B for a symmetric positive definite A by Cholesky (never an explicit inverse). Only A's lower
    /// triangle is read, so rounding-level asymmetry in A does not matter.
    /// </summary>
    public static Tensor SolvePositiveDefinite(Tensor a, Tensor b)
    {
        using var scope = NewDisposeScope();
        var (factor, info) = linalg.cholesky_ex(a);
        if (info.item<int>() != 0)
            throw new IllPosedErasureException(
                "The edit's linear system is not positive definite; increase lambda (or the RECE regularizer), or lower the erase and preserve scales, so the system stays well posed."
            );
        return cholesky_solve(b, factor).MoveToOuterDisposeScope();
    }
}

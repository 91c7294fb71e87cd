using static TorchSharp.torch;

namespace Rece.Engine;

/// <summary>
/// The closed-form edit of one matrix W (paper Eq. 2/3, "replace" variant):
/// <code>
///   A = lambda W + s_e sum_t (W g_t) c_t^T + s_p sum_r (W r) r^T
///   B = lambda I + s_e sum_t c_t c_t^T     + s_p sum_r r r^T
///   W_new = A B^-1
/// </code>
/// A = W S with S = B + s_e (G - C)^T C, so W_new = W (I + U V^T) with U = s_e (G - C)^T and V = B^-1 C^T:
/// one Cholesky solve with as many right-hand sides as erased vectors, shared by every matrix.
/// </summary>
public static class ClosedFormEdit
{
    /// <param name="erased">Rows c_t to erase (n x d).</param>
    /// <param name="targets">Rows g_t, paired with <paramref name="erased"/> (n x d); each c_t is mapped to W
    /// g_t.</param>
    /// <param name="preserveGram">sum_r r r^T of the vectors to keep (d x d), unscaled.</param>
    /// <param name="nullBasis">
    /// With <see cref="PreserveMode.NullSpace"/>: an orthonormal basis Q (d x k) of the directions the edit may act on.
    /// The edit is then the same minimiser over F = I + X Q Q^T: B^-1 becomes Q (Q^T B Q)^-1 Q^T.
    /// </param>
    public static LowRankFactor Solve(
        Tensor erased,
        Tensor targets,
        Tensor preserveGram,
        EditScales scales,
        Tensor? nullBasis = null
    )
    {
        if (erased.ndim != 2 || !erased.shape.SequenceEqual(targets.shape))
            throw new ArgumentException(
                $"Erased rows {Shape(erased)} and target rows {Shape(targets)} must both be n x d."
            );
        long d = erased.shape[1];
        if (!preserveGram.shape.SequenceEqual(new[] { d, d }))
            throw new ArgumentException($"The preserve Gram matrix must be {d} x {d}, got {Shape(preserveGram)}.");

        using var scope = NewDisposeScope();
        var c = erased.to(ScalarType.Float64);
        var g = targets.to(ScalarType.Float64);
        var b = c.t().mm(c).mul_(scales.EraseScale).add_(preserveGram.to(ScalarType.Float64).mul(scales.PreserveScale));
        b.diagonal().add_(scales.Lambda);
        var v = SolveRestricted(b, c.t(), nullBasis);
        var u = g.sub(c).t().mul(scales.EraseScale).contiguous();
        return new LowRankFactor(u.MoveToOuterDisposeScope(), v.MoveToOuterDisposeScope());
    }

    /// <summary>
    /// The same edit as <see cref="Solve"/> as a dense d x d factor F = I + s_e (G - C)^T C B^-1, formed from the
    /// erased vectors' Gram matrices only: its cost does not grow with their number.
    /// </summary>
    /// <param name="erasedGram">C^T C = sum_t c_t c_t^T (d x d).</param>
    /// <param name="targetErasedCross">G^T C = sum_t g_t c_t^T (d x d).</param>
    /// <param name="preserveGram">sum_r r r^T of the vectors to keep (d x d), unscaled.</param>
    /// <param name="nullBasis">As in <see cref="Solve"/>.</param>
    public static Tensor SolveDense(
        Tensor erasedGram,
        Tensor targetErasedCross,
        Tensor preserveGram,
        EditScales scales,
        Tensor? nullBasis = null
    )
    {
        using var scope = NewDisposeScope();
        var b = erasedGram.mul(scales.EraseScale).add_(preserveGram.mul(scales.PreserveScale));
        b.diagonal().add_(scales.Lambda);
        // (G - C)^T C B^-1 = (B^-1 (G^T C - C^T C)^T)^T, B symmetric.
        var moved = targetErasedCross.sub(erasedGram).mul_(scales.EraseScale);
        var factor = SolveRestricted(b, moved.t(), nullBasis).t();
        factor.diagonal().add_(1.0);
        return factor.contiguous().MoveToOuterDisposeScope();
    }

    /// <summary>B^-1 Y, or Q (Q^T B Q)^-1 Q^T Y within the null space Q.</summary>
    private static Tensor SolveRestricted(Tensor b, Tensor y, Tensor? nullBasis)
    {
        if (nullBasis is null)
            return Linear.SolvePositiveDefinite(b, y);
        using var scope = NewDisposeScope();
        var q = nullBasis.to(ScalarType.Float64);
        var restricted = q.t().mm(b).mm(q);
        return q.mm(Linear.SolvePositiveDefinite(restricted, q.t().mm(y))).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// An orthonormal basis (d x k) of the directions where the mean second moment of the preserved rows,
    /// <paramref name="rowsGram"/> / <paramref name="rows"/>, has eigenvalues below <paramref name="threshold"/>.
    /// </summary>
    public static Tensor NullSpaceBasis(Tensor rowsGram, long rows, double threshold)
    {
        using var scope = NewDisposeScope();
        var moment = rowsGram.to(ScalarType.Float64).div(Math.Max(rows, 1));
        moment = moment.add(moment.t()).mul_(0.5);
        var (values, vectors) = linalg.eigh(moment);
        var keep = values.lt(threshold).nonzero().squeeze(1);
        if (keep.shape[0] == 0)
            throw new IllPosedErasureException(
                $"The preserve texts' token embeddings span every direction above the null-space threshold {threshold}, so a null-space edit cannot change anything; raise the threshold (--null-space-threshold) or preserve fewer texts."
            );
        return vectors.index_select(1, keep).contiguous().MoveToOuterDisposeScope();
    }

    /// <summary>sum_r r r^T over the rows of <paramref name="rows"/> (m x d), in float64.</summary>
    public static Tensor GramOfRows(Tensor rows)
    {
        using var scope = NewDisposeScope();
        var r = rows.to(ScalarType.Float64);
        return r.t().mm(r).MoveToOuterDisposeScope();
    }

    private static string Shape(Tensor t) => "[" + string.Join(", ", t.shape) + "]";
}

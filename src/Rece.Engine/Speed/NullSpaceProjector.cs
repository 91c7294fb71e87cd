using static TorchSharp.torch;

namespace Rece.Engine.Speed;

/// <summary>
/// The projector onto the directions the retained rows (almost) never occupy. An edit W X with X = ... P ... acts
/// only on those directions, so the retained rows' outputs stay (nearly) where they were.
/// </summary>
internal static class NullSpaceProjector
{
    /// <summary>P = U_s U_s^T for the eigenvectors U_s of (1/N) sum_r r^T r with eigenvalue below
    /// <paramref name="threshold"/>; no rows (N = 0) leave every direction free (P = I).</summary>
    /// <param name="retainRows">N x d.</param>
    public static Tensor Projector(Tensor retainRows, double threshold)
    {
        using var scope = NewDisposeScope();
        var r = retainRows.to(ScalarType.Float64);
        var moment = r.t().mm(r).div_(Math.Max(r.shape[0], 1));
        return FromMoment(moment, threshold, RangeOf(r)).MoveToOuterDisposeScope();
    }

    /// <summary>An orthonormal basis (d x n) of the span of <paramref name="rows"/> (n x d) while n &lt; d / 2, else
    /// null: beyond that the full d x d eigenproblem is as cheap as reducing it.</summary>
    public static Tensor? RangeOf(Tensor rows)
    {
        if (rows.shape[0] == 0 || 2 * rows.shape[0] >= rows.shape[1])
            return null;
        using var scope = NewDisposeScope();
        var (q, _) = linalg.qr(rows.to(ScalarType.Float64).t());
        return q.MoveToOuterDisposeScope();
    }

    /// <summary>As <see cref="Projector"/>, from the mean second moment (d x d) already formed.</summary>
    /// <param name="range">An orthonormal basis (d x k, k &lt; d) of a subspace holding the moment's range, when
    /// known: the eigenproblem is then solved within it (k x k instead of d x d); every direction outside it has a zero
    /// second moment, so it lies in the null space.</param>
    public static Tensor FromMoment(Tensor moment, double threshold, Tensor? range)
    {
        if (range is null || range.shape[1] >= range.shape[0])
            return FromMoment(moment, threshold);
        using var scope = NewDisposeScope();
        var q = range.to(ScalarType.Float64);
        var small = q.t().mm(moment.to(ScalarType.Float64)).mm(q);
        var (values, vectors) = linalg.eigh(small.add(small.t()).mul_(0.5));
        var used = q.mm(vectors.index_select(1, values.ge(threshold).nonzero().squeeze(1)));
        var projector = eye(q.shape[0], dtype: ScalarType.Float64, device: q.device).sub_(used.mm(used.t()));
        return projector.MoveToOuterDisposeScope();
    }

    public static Tensor FromMoment(Tensor moment, double threshold)
    {
        using var scope = NewDisposeScope();
        var m = moment.to(ScalarType.Float64);
        // eigh reads one triangle: symmetrise so rounding-level asymmetry cannot pick which.
        m = m.add(m.t()).mul_(0.5);
        var (values, vectors) = linalg.eigh(m);
        var keep = values.lt(threshold).nonzero().squeeze(1);
        if (keep.shape[0] == 0)
            throw new IllPosedErasureException(
                $"Every direction of the retained token embeddings has a second moment of at least the null-space threshold {threshold} (the smallest is {values.min().item<double>():G4}), so SPEED's null-space edit cannot change anything; raise the null-space threshold (--null-space-threshold) or preserve fewer texts."
            );
        // Formed from the smaller of the two bases: P = U_s U_s^T = I - U_b U_b^T.
        if (2 * keep.shape[0] <= values.shape[0])
        {
            var basis = vectors.index_select(1, keep);
            return basis.mm(basis.t()).MoveToOuterDisposeScope();
        }
        var used = vectors.index_select(1, values.ge(threshold).nonzero().squeeze(1));
        var projector = eye(values.shape[0], dtype: ScalarType.Float64, device: m.device).sub_(used.mm(used.t()));
        return projector.MoveToOuterDisposeScope();
    }
}

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
        return FromMoment(moment, threshold).MoveToOuterDisposeScope();
    }

    /// <summary>As <see cref="Projector"/>, from the mean second moment (d x d) already formed.</summary>
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
        var basis = vectors.index_select(1, keep);
        return basis.mm(basis.t()).MoveToOuterDisposeScope();
    }
}

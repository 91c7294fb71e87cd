using static TorchSharp.torch;

namespace Rece.Engine.Speed;

/// <summary>
/// SPEED's closed-form edit X (d x d, dW = W X) for a null-space projector P:
/// <code>
///   M = (S_tt P + alpha I)^-1
///   X = D P [I - M K2 (K2^T P M K2 + lambda I)^-1 K2^T P] M,   D = S_at - S_tt
/// </code>
/// dW = W X is the edit Delta P (it sees only the null-space part of its input) that minimises
/// mean_j ||(W + Delta P) T_j^T - W A_j^T||^2 + alpha ||Delta P||^2 subject to Delta P K2 = 0 when lambda = 0: the
/// start-of-text and empty-prompt tokens keep their outputs exactly; lambda &gt; 0 softens that constraint.
/// </summary>
internal static class SpeedClosedForm
{
    /// <param name="difference">D = S_at - S_tt (d x d).</param>
    /// <param name="targetGram">S_tt (d x d).</param>
    /// <param name="projector">P (d x d).</param>
    /// <param name="invariant">K2 (d x k), the columns whose outputs must not move; null for none.</param>
    public static Tensor Edit(
        Tensor difference,
        Tensor targetGram,
        Tensor projector,
        Tensor? invariant,
        double retainScale,
        double invarianceLambda
    )
    {
        using var scope = NewDisposeScope();
        var p = projector.to(ScalarType.Float64);
        long d = p.shape[0];
        var system = targetGram.to(ScalarType.Float64).mm(p);
        system.diagonal().add_(retainScale);
        // S_tt P is not symmetric, so an LU solve rather than Cholesky; alpha > 0 keeps it invertible (the eigenvalues
        // of S_tt P are those of P S_tt P, all >= 0).
        var m = linalg.solve(system, eye(d, dtype: ScalarType.Float64, device: p.device));
        var inner = m;
        if (invariant is not null && invariant.shape[1] > 0)
        {
            var k2 = invariant.to(ScalarType.Float64);
            var mk = m.mm(k2);
            var pk = p.mm(k2);
            // K2^T P M K2 = (P K2)^T (M K2), P symmetric.
            var small = pk.t().mm(mk);
            small.diagonal().add_(invarianceLambda);
            var (solved, info) = linalg.solve_ex(small, pk.t());
            if (info.item<int>() != 0)
                throw new IllPosedErasureException(
                    "SPEED's invariance constraint is singular: the empty prompt's tokens lie outside the null space of the retained texts. Raise the invariance lambda or the null-space threshold (--null-space-threshold), or preserve fewer texts."
                );
            inner = m.sub(mk.mm(solved.mm(m)));
        }
        var x = difference.to(ScalarType.Float64).mm(p).mm(inner);
        if (!isfinite(x).all().item<bool>())
            throw new IllPosedErasureException(
                "SPEED's edit is not finite: its linear systems are too ill-conditioned for float64. Raise the retain scale or the invariance lambda."
            );
        return x.MoveToOuterDisposeScope();
    }

    /// <summary>
    /// The same edit for R &lt; d target rows, as X = L Z^T, in O(R d^2) instead of O(d^3): with S_tt = T T^T and
    /// D = L T^T (T, L d x R), X = L (T^T P inner), and M applied from the left by Woodbury's identity,
    /// (alpha I + T (T^T P))^-1 = (I - T C^-1 T^T P) / alpha with C = alpha I_R + T^T P T.
    /// </summary>
    /// <param name="targets">T (d x R): the target rows as columns, scaled so that S_tt = T T^T.</param>
    /// <param name="projector">P (d x d), symmetric.</param>
    /// <param name="invariant">K2 (d x k); null for none.</param>
    /// <returns>Z^T (R x d); X = L Z^T for the caller's L.</returns>
    public static Tensor EditRight(
        Tensor targets,
        Tensor projector,
        Tensor? invariant,
        double retainScale,
        double invarianceLambda
    )
    {
        using var scope = NewDisposeScope();
        var t = targets.to(ScalarType.Float64);
        var p = projector.to(ScalarType.Float64);
        long r = t.shape[1];
        var tp = t.t().mm(p);
        var c = tp.mm(t);
        c.diagonal().add_(retainScale);
        var (cholesky, info) = linalg.cholesky_ex(c.add(c.t()).mul_(0.5));
        if (info.item<int>() != 0)
            throw new IllPosedErasureException(
                "SPEED's edit is not finite: its linear systems are too ill-conditioned for float64. Raise the retain scale or the invariance lambda."
            );
        // Y M for rows Y (n x d): (Y - (Y T) C^-1 (T^T P)) / alpha.
        Tensor LeftTimesM(Tensor y) => y.sub(cholesky_solve(y.mm(t).t(), cholesky).t().mm(tp)).div_(retainScale);
        var right = LeftTimesM(tp);
        if (invariant is not null && invariant.shape[1] > 0)
        {
            var k2 = invariant.to(ScalarType.Float64);
            var pk = p.mm(k2);
            // M K2 = (K2 - T C^-1 (T^T P K2)) / alpha.
            var mk = k2.sub(t.mm(cholesky_solve(tp.mm(k2), cholesky))).div_(retainScale);
            var small = pk.t().mm(mk);
            small.diagonal().add_(invarianceLambda);
            var (solved, singular) = linalg.solve_ex(small, LeftTimesM(pk.t()));
            if (singular.item<int>() != 0)
                throw new IllPosedErasureException(
                    "SPEED's invariance constraint is singular: the empty prompt's tokens lie outside the null space of the retained texts. Raise the invariance lambda or the null-space threshold (--null-space-threshold), or preserve fewer texts."
                );
            right = right.sub(right.mm(k2).mm(solved));
        }
        if (!isfinite(right).all().item<bool>() || right.shape[0] != r)
            throw new IllPosedErasureException(
                "SPEED's edit is not finite: its linear systems are too ill-conditioned for float64. Raise the retain scale or the invariance lambda."
            );
        return right.MoveToOuterDisposeScope();
    }
}

using static TorchSharp.torch;

namespace Rece.Engine;

/// <summary>
/// The edited model seen through the shared factor: every edited matrix is W_l = W0_l P, so all the algorithm needs
/// of the L matrices is G0 = sum_l W0_l^T W0_l. Keeps P, H = G0 P and K = P^T G0 P, updated by low-rank products
/// when an edit W -> W (I + U V^T) is applied; no operation here grows with the number of U-Net layers.
/// </summary>
public sealed class SharedFactorModel : IDisposable
{
    private Tensor _p;
    private Tensor _h;
    private Tensor _k;

    /// <param name="originalGram">G0 = sum_l W0_l^T W0_l over every edited matrix (d x d).</param>
    public SharedFactorModel(Tensor originalGram)
    {
        if (originalGram.ndim != 2 || originalGram.shape[0] != originalGram.shape[1])
            throw new ArgumentException("The Gram matrix of the original weights must be square (d x d).");
        Gram = originalGram.to(ScalarType.Float64).contiguous().DetachFromDisposeScope();
        Dimension = Gram.shape[0];
        _p = eye(Dimension, dtype: ScalarType.Float64).DetachFromDisposeScope();
        _h = Gram.clone().DetachFromDisposeScope();
        _k = Gram.clone().DetachFromDisposeScope();
    }

    /// <summary>Continues from a saved <see cref="State"/>: the same bits as if the model had never been
    /// saved.</summary>
    public static SharedFactorModel Restore(Tensor originalGram, SharedFactorState state)
    {
        var model = new SharedFactorModel(originalGram);
        long d = model.Dimension;
        foreach (
            var (name, tensor) in new[]
            {
                ("P", state.Factor),
                ("H", state.GramTimesFactor),
                ("K", state.FactorGramFactor),
            }
        )
        {
            if (tensor.ndim != 2 || tensor.shape[0] != d || tensor.shape[1] != d)
            {
                model.Dispose();
                throw new ArgumentException(
                    $"The saved state's {name} must be {d} x {d}, got [{string.Join(", ", tensor.shape)}]."
                );
            }
        }
        Replace(ref model._p, state.Factor.to(ScalarType.Float64, copy: true).contiguous().DetachFromDisposeScope());
        Replace(
            ref model._h,
            state.GramTimesFactor.to(ScalarType.Float64, copy: true).contiguous().DetachFromDisposeScope()
        );
        Replace(
            ref model._k,
            state.FactorGramFactor.to(ScalarType.Float64, copy: true).contiguous().DetachFromDisposeScope()
        );
        return model;
    }

    /// <summary>
    /// A copy of P, H and K. The low-rank updates round differently from recomputing H and K from P, so a resumed run
    /// needs all three to continue bit for bit.
    /// </summary>
    public SharedFactorState State => new(_p.clone(), _h.clone(), _k.clone());

    public long Dimension { get; }

    /// <summary>G0, float64.</summary>
    public Tensor Gram { get; }

    /// <summary>The shared factor P (float64): W_l = W0_l P.</summary>
    public Tensor Factor => _p;

    /// <summary>Applies W -> W F for every matrix, F = I + U V^T.</summary>
    public void Apply(LowRankFactor edit)
    {
        using var scope = NewDisposeScope();
        var u = edit.U;
        var v = edit.V;
        // P F, H F = G0 P F, and F^T K F = K + (K U) V^T + V (K U)^T + V (U^T K U) V^T.
        var pu = _p.mm(u);
        var hu = _h.mm(u);
        var ku = _k.mm(u);
        var utku = u.t().mm(ku);
        var newP = _p.addmm(pu, v.t());
        var newH = _h.addmm(hu, v.t());
        var kuvt = ku.mm(v.t());
        var newK = _k.add(kuvt).add_(kuvt.t()).add_(v.mm(utku).mm(v.t()));
        // Detached, not moved out: the model may outlive any scope its caller has open.
        Replace(ref _p, newP.DetachFromDisposeScope());
        Replace(ref _h, newH.DetachFromDisposeScope());
        Replace(ref _k, newK.DetachFromDisposeScope());
    }

    /// <summary>Applies W -> W F for every matrix, F dense (d x d): P F, H F and F^T K F.</summary>
    public void Apply(Tensor factor)
    {
        using var scope = NewDisposeScope();
        var f = factor.to(ScalarType.Float64);
        var newP = _p.mm(f);
        var newH = _h.mm(f);
        var newK = f.t().mm(_k).mm(f);
        // K stays symmetric to the last bit, as the low-rank update keeps it.
        newK = newK.add(newK.t()).mul_(0.5);
        Replace(ref _p, newP.DetachFromDisposeScope());
        Replace(ref _h, newH.DetachFromDisposeScope());
        Replace(ref _k, newK.DetachFromDisposeScope());
    }

    /// <summary>
    /// RECE step 1 (paper Eq. 7/8): the embedding that best regenerates the original K/V outputs of
    /// <paramref name="concept"/> in the current model, for every row (<see cref="Derivation"/>; RegZero:
    /// c' = (lambda_R I + sum_l W_l^T W_l)^-1 (sum_l W_l^T W0_l) c). In this model A = K and B = H^T.
    /// </summary>
    /// <param name="guide">The guide rows paired with <paramref name="concept"/> (used by StandardReg).</param>
    /// <returns>c' rows (n x d, float64).</returns>
    public Tensor DeriveAdversarial(
        Tensor concept,
        double regularizer,
        Derivation derivation = Derivation.RegZero,
        Tensor? guide = null
    )
    {
        CheckRegularizer(regularizer);
        using var scope = NewDisposeScope();
        var c = concept.to(ScalarType.Float64).t();
        // sum_l W_l^T W0_l c = P^T G0 c = H^T c.
        var rhs = _h.t().mm(c);
        if (derivation == Derivation.SurrogateReg)
        {
            rhs.add_(_k.mm(c), alpha: regularizer);
            return Linear
                .SolvePositiveDefinite(_k.mul(1 + regularizer), rhs)
                .t()
                .contiguous()
                .MoveToOuterDisposeScope();
        }
        if (derivation == Derivation.StandardReg)
            rhs.add_(RequireGuide(guide).to(ScalarType.Float64).t(), alpha: regularizer);
        return Linear.SolvePositiveDefinite(Regularized(regularizer), rhs).t().contiguous().MoveToOuterDisposeScope();
    }

    /// <summary>
    /// The maps of <see cref="DeriveAdversarial"/> without the rows: c' = M c + N g, d x d whatever the number of rows
    /// (N is null unless <see cref="Derivation.StandardReg"/>, where N = lambda_R (lambda_R I + K)^-1).
    /// </summary>
    public (Tensor Map, Tensor? GuideMap) DerivationMaps(double regularizer, Derivation derivation = Derivation.RegZero)
    {
        CheckRegularizer(regularizer);
        using var scope = NewDisposeScope();
        if (derivation == Derivation.SurrogateReg)
        {
            var map = Linear.SolvePositiveDefinite(_k.mul(1 + regularizer), _h.t().add(_k, alpha: regularizer));
            return (map.contiguous().MoveToOuterDisposeScope(), null);
        }
        var system = Regularized(regularizer);
        if (derivation != Derivation.StandardReg)
            return (Linear.SolvePositiveDefinite(system, _h.t()).contiguous().MoveToOuterDisposeScope(), null);
        // M and N share the system: one factorization, both right-hand sides.
        var identity = eye(Dimension, dtype: ScalarType.Float64).mul_(regularizer);
        var both = Linear.SolvePositiveDefinite(system, cat(new[] { _h.t(), identity }, 1));
        return (
            both.narrow(1, 0, Dimension).contiguous().MoveToOuterDisposeScope(),
            both.narrow(1, Dimension, Dimension).contiguous().MoveToOuterDisposeScope()
        );
    }

    /// <summary>
    /// <see cref="RecoveredConceptResidual"/> from Gram matrices: with c' = M c + N g, E1 = P M - I and E2 = P N,
    /// sum_l ||W_l c' - W0_l c||^2 over the rows is tr(G0 E1 X_cc E1^T) + 2 tr(G0 E1 X_cg E2^T) + tr(G0 E2 X_gg E2^T).
    /// </summary>
    /// <param name="conceptGram">X_cc = sum c c^T.</param>
    /// <param name="guideConceptCross">X_gc = sum g c^T (only with a guide map).</param>
    /// <param name="guideGram">X_gg = sum g g^T (only with a guide map).</param>
    public double RecoveredConceptResidualFromGram(
        Tensor conceptGram,
        Tensor map,
        Tensor? guideMap,
        Tensor? guideConceptCross,
        Tensor? guideGram,
        double originalEnergy
    )
    {
        using var scope = NewDisposeScope();
        var e1 = _p.mm(map);
        e1.diagonal().sub_(1.0);
        // G0 E1 = H M - G0.
        var gramE1 = _h.mm(map).sub_(Gram);
        double numerator = gramE1.mul(e1.mm(conceptGram)).sum().item<double>();
        if (guideMap is not null)
        {
            var e2 = _p.mm(guideMap);
            var gramE2 = _h.mm(guideMap);
            // tr(G0 E1 X_cg E2^T) = sum((G0 E1) o (E2 X_gc)); tr(G0 E2 X_gg E2^T) = sum((G0 E2) o (E2 X_gg)).
            numerator += 2 * gramE1.mul(e2.mm(guideConceptCross!)).sum().item<double>();
            numerator += gramE2.mul(e2.mm(guideGram!)).sum().item<double>();
        }
        return Math.Sqrt(Math.Max(numerator, 0) / originalEnergy);
    }

    private Tensor Regularized(double regularizer)
    {
        var system = _k.clone();
        system.diagonal().add_(regularizer);
        return system;
    }

    private static void CheckRegularizer(double regularizer)
    {
        if (!(regularizer > 0) || double.IsInfinity(regularizer))
            throw new ArgumentOutOfRangeException(
                nameof(regularizer),
                $"The RECE regularizer lambda_R must be a positive number (got {regularizer})."
            );
    }

    private static Tensor RequireGuide(Tensor? guide) =>
        guide
        ?? throw new ArgumentException(
            "The standardreg derivation needs the guide rows paired with the concept rows.",
            nameof(guide)
        );

    /// <summary><see cref="PreservationDrift"/> from the rows' Gram matrix R: tr((P - I)^T G0 (P - I) R).</summary>
    public double PreservationDriftFromGram(Tensor rowsGram, double originalEnergy)
    {
        using var scope = NewDisposeScope();
        var delta = _p.clone();
        delta.diagonal().sub_(1.0);
        // G0 (P - I) = H - G0.
        var numerator = _h.sub(Gram).mul_(delta.mm(rowsGram)).sum().item<double>();
        return Math.Sqrt(Math.Max(numerator, 0) / originalEnergy);
    }

    /// <summary>tr(G0 X) for a symmetric X: sum_l ||W0_l x||^2 over the rows X sums.</summary>
    public static double Trace(Tensor originalGram, Tensor rowsGram)
    {
        using var scope = NewDisposeScope();
        return originalGram.to(ScalarType.Float64).mul(rowsGram.to(ScalarType.Float64)).sum().item<double>();
    }

    /// <summary>sqrt(sum_l ||W_l c' - W0_l c||^2 / sum_l ||W0_l c||^2) over all rows.</summary>
    /// <param name="originalEnergy">sum_l ||W0_l c||^2 when already known (<see cref="Trace"/> of G0 and the rows' Gram matrix): it does not
    /// change between stages.</param>
    public double RecoveredConceptResidual(Tensor concept, Tensor derived, double? originalEnergy = null)
    {
        using var scope = NewDisposeScope();
        var c = concept.to(ScalarType.Float64).t();
        var difference = _p.mm(derived.to(ScalarType.Float64).t()).sub_(c);
        return Math.Sqrt(QuadraticSum(difference) / (originalEnergy ?? QuadraticSum(c)));
    }

    /// <summary>sqrt(sum_l ||(W_l - W0_l) r||^2 / sum_l ||W0_l r||^2) over the rows r.</summary>
    /// <param name="originalEnergy">sum_l ||W0_l r||^2 when already known (<see cref="Trace"/> of G0 and the rows' Gram matrix).</param>
    public double PreservationDrift(Tensor rows, double? originalEnergy = null)
    {
        using var scope = NewDisposeScope();
        var r = rows.to(ScalarType.Float64).t();
        var difference = _p.mm(r).sub_(r);
        return Math.Sqrt(QuadraticSum(difference) / (originalEnergy ?? QuadraticSum(r)));
    }

    /// <summary>||W - W0||_F / ||W0||_F over all edited matrices: tr((P-I)^T G0 (P-I)) / tr(G0).</summary>
    public double RelativeWeightChange()
    {
        using var scope = NewDisposeScope();
        var delta = _p.clone();
        delta.diagonal().sub_(1.0);
        // G0 (P - I) = H - G0.
        var numerator = delta.mul(_h.sub(Gram)).sum().item<double>();
        var denominator = Gram.trace().item<double>();
        return Math.Sqrt(Math.Max(numerator, 0) / denominator);
    }

    /// <summary>sum over columns x of x^T G0 x.</summary>
    private double QuadraticSum(Tensor columns) => columns.mul(Gram.mm(columns)).sum().item<double>();

    private static void Replace(ref Tensor field, Tensor value)
    {
        field.Dispose();
        field = value;
    }

    public void Dispose()
    {
        _p.Dispose();
        _h.Dispose();
        _k.Dispose();
        Gram.Dispose();
    }
}

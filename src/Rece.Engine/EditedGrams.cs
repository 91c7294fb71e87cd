using static TorchSharp.torch;

namespace Rece.Engine;

/// <summary>
/// An edited model whose matrices need not share a factor (SPEED edits each on its own), seen through three d x d
/// sums over every K/V matrix: G0 = sum_l W0_l^T W0_l, A = sum_l W_l^T W_l and B = sum_l W_l^T W0_l (and the
/// change's own Gram matrix). They are all the embedding-space measures need (docs/algorithm.md); with a shared factor
/// P they are G0, P^T G0 P and P^T G0, and the measures equal <see cref="SharedFactorModel"/>'s up to the rounding of
/// G0, whose products run in float32 (<see cref="KvGram"/>) while each edited matrix's here run in float64.
/// </summary>
public sealed class EditedGrams : IDisposable
{
    private readonly Tensor _change;

    private EditedGrams(Tensor original, Tensor edited, Tensor cross, Tensor change)
    {
        Original = original;
        Edited = edited;
        Cross = cross;
        _change = change;
    }

    /// <summary>G0 (float64).</summary>
    public Tensor Original { get; }

    /// <summary>A = sum_l W_l^T W_l.</summary>
    public Tensor Edited { get; }

    /// <summary>B = sum_l W_l^T W0_l.</summary>
    public Tensor Cross { get; }

    /// <param name="originalGram">G0 over every K/V matrix.</param>
    /// <param name="edits">Each edited matrix's W0_l (any dtype) with its factor F_l (W_l = W0_l F_l); the matrices not
    /// listed are unchanged.</param>
    public static EditedGrams FromFactors(Tensor originalGram, IEnumerable<(Tensor Original, Tensor Factor)> edits)
    {
        ArgumentNullException.ThrowIfNull(originalGram);
        ArgumentNullException.ThrowIfNull(edits);
        using var scope = NewDisposeScope();
        var g0 = originalGram.to(ScalarType.Float64).contiguous();
        var a = g0.clone();
        var b = g0.clone();
        var change = zeros_like(g0);
        foreach (var (original, factor) in edits)
        {
            using var layer = NewDisposeScope();
            var w = original.to(ScalarType.Float64);
            var gram = w.t().mm(w);
            // With X = F - I and Y = G_l X: B gains F^T G_l - G_l = Y^T, A gains F^T G_l F - G_l = Y + Y^T + X^T Y,
            // and the change's Gram matrix is X^T Y, formed directly (A - B - B^T + G0 would lose a small change to
            // cancellation).
            var x = factor.to(ScalarType.Float64, copy: true);
            x.diagonal().sub_(1.0);
            var y = gram.mm(x);
            var xty = x.t().mm(y);
            a.add_(y).add_(y.t()).add_(xty);
            b.add_(y.t());
            change.add_(xty);
        }
        // Symmetric to the last bit, as the shared-factor model keeps K.
        a = a.add(a.t()).mul_(0.5);
        return new EditedGrams(
            g0.clone().DetachFromDisposeScope(),
            a.DetachFromDisposeScope(),
            b.DetachFromDisposeScope(),
            change.DetachFromDisposeScope()
        );
    }

    /// <summary>
    /// The recovered-concept residual (RegZero derivation, c' = (lambda_R I + A)^-1 B c for every row):
    /// sum_l ||W_l c' - W0_l c||^2 = tr((M^T A M - 2 M^T B + G0) X) over the rows' Gram matrix X, relative to tr(G0 X).
    /// </summary>
    public double RecoveredConceptResidual(Tensor conceptGram, double regularizer)
    {
        if (!(regularizer > 0) || double.IsInfinity(regularizer))
            throw new ArgumentOutOfRangeException(
                nameof(regularizer),
                $"The RECE regularizer lambda_R must be a positive number (got {regularizer})."
            );
        using var scope = NewDisposeScope();
        var x = conceptGram.to(ScalarType.Float64);
        var system = Edited.clone();
        system.diagonal().add_(regularizer);
        var map = Linear.SolvePositiveDefinite(system, Cross);
        var quadratic = map.t().mm(Edited.mm(map).sub_(Cross.mul(2))).add_(Original);
        double numerator = quadratic.mul(x).sum().item<double>();
        return Math.Sqrt(Math.Max(numerator, 0) / Original.mul(x).sum().item<double>());
    }

    /// <summary>sqrt(sum_l ||(W_l - W0_l) r||^2 / sum_l ||W0_l r||^2) over the rows whose Gram matrix is
    /// <paramref name="rowsGram"/>: tr(C R) / tr(G0 R) with C = sum_l (W_l - W0_l)^T (W_l - W0_l).</summary>
    public double PreservationDrift(Tensor rowsGram)
    {
        using var scope = NewDisposeScope();
        var r = rowsGram.to(ScalarType.Float64);
        double numerator = _change.mul(r).sum().item<double>();
        return Math.Sqrt(Math.Max(numerator, 0) / Original.mul(r).sum().item<double>());
    }

    /// <summary>||W - W0||_F / ||W0||_F over every K/V matrix: tr(A - B - B^T + G0) / tr(G0).</summary>
    public double RelativeWeightChange()
    {
        using var scope = NewDisposeScope();
        return Math.Sqrt(Math.Max(Change().trace().item<double>(), 0) / Original.trace().item<double>());
    }

    /// <summary>sum_l (W_l - W0_l)^T (W_l - W0_l).</summary>
    private Tensor Change() => Edited.sub(Cross).sub_(Cross.t()).add_(Original);

    public void Dispose()
    {
        Original.Dispose();
        Edited.Dispose();
        Cross.Dispose();
        _change.Dispose();
    }
}

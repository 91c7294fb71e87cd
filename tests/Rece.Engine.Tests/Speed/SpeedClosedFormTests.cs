using Rece.Engine.Speed;
using static TorchSharp.torch;

namespace Rece.Engine.Tests.Speed;

public class SpeedClosedFormTests
{
    private const long D = 8;

    /// <summary>A random case: D = S_at - S_tt from two concepts, P onto a random 5-dimensional subspace, K2
    /// random.</summary>
    private static (Tensor Difference, Tensor TargetGram, Tensor Projector, Tensor K2) Case(int seed)
    {
        var g = new Generator((ulong)seed);
        var t = SpeedData.Normal(g, 2, D);
        var a = SpeedData.Normal(g, 2, D);
        // Means over the two one-row concepts.
        var targetGram = t.t().mm(t).div(2);
        var difference = a.t().mm(t).div(2).sub(targetGram);
        var basis = SpeedData.Basis(g, D, 5);
        return (difference, targetGram, basis.mm(basis.t()), SpeedData.Normal(g, D, 4));
    }

    [Theory]
    [InlineData(0.0)]
    [InlineData(0.3)]
    public void TheEditIsTheFormulaEvaluatedWithExplicitInverses(double lambda)
    {
        var (d, s, p, k2) = Case(1);
        const double Alpha = 0.7;

        var x = SpeedClosedForm.Edit(d, s, p, k2, Alpha, lambda);

        var i = SpeedData.Identity(D);
        var m = linalg.inv(s.mm(p).add(i.mul(Alpha)));
        var small = linalg.inv(k2.t().mm(p).mm(m).mm(k2).add(SpeedData.Identity(4).mul(lambda)));
        var expected = d.mm(p).mm(i.sub(m.mm(k2).mm(small).mm(k2.t()).mm(p))).mm(m);
        Assert.True(SpeedData.Relative(x, expected) < 1e-10, $"relative error {SpeedData.Relative(x, expected)}");
    }

    [Fact]
    public void WithoutInvariantColumnsTheEditIsDPM()
    {
        var (d, s, p, _) = Case(2);

        var x = SpeedClosedForm.Edit(d, s, p, null, 1.5, 0);

        var expected = d.mm(p).mm(linalg.inv(s.mm(p).add(SpeedData.Identity(D).mul(1.5))));
        Assert.True(SpeedData.Relative(x, expected) < 1e-10);
    }

    [Fact]
    public void TheEditSolvesTheConstrainedNullSpaceProblem()
    {
        // dW = Delta P minimises mean_j ||(W + Delta P) t_j - W a_j||^2 + alpha ||Delta P||^2 subject to
        // Delta P K2 = 0: dW = dW P, dW K2 = 0, and the gradient (dW S_tt - W D + alpha dW) P lies in the span of
        // the constraint's rows (P K2)^T.
        var (d, s, p, k2) = Case(3);
        var w = SpeedData.Normal(new Generator(30), 6, D);
        const double Alpha = 0.4;

        var dw = w.mm(SpeedClosedForm.Edit(d, s, p, k2, Alpha, 0));

        Assert.True(dw.norm().item<double>() > 0.1);
        Assert.True(SpeedData.Relative(dw.mm(p), dw) < 1e-12);
        Assert.True(dw.mm(k2).norm().item<double>() < 1e-10 * dw.norm().item<double>());
        var gradient = dw.mm(s).sub(w.mm(d)).add(dw.mul(Alpha)).mm(p);
        var q = linalg.qr(p.mm(k2)).Q;
        var outside = gradient.sub(gradient.mm(q).mm(q.t()));
        Assert.True(outside.norm().item<double>() < 1e-10 * gradient.norm().item<double>());
        // Not vacuous: without the constraint's multiplier the gradient would not vanish.
        Assert.True(gradient.norm().item<double>() > 1e-3);
    }

    [Theory]
    [InlineData(0.0, true)]
    [InlineData(0.3, true)]
    [InlineData(0.0, false)]
    public void TheLowRankFormEqualsTheDenseOne(double lambda, bool invariant)
    {
        // Three target rows in d = 8, so X = L Z^T has rank 3.
        var g = new Generator(41);
        var t = SpeedData.Normal(g, 3, D);
        var a = SpeedData.Normal(g, 3, D);
        double scale = 1 / Math.Sqrt(3);
        var targets = t.t().mul(scale);
        var left = a.sub(t).t().mul(scale);
        var basis = SpeedData.Basis(g, D, 6);
        var p = basis.mm(basis.t());
        var k2 = invariant ? SpeedData.Normal(g, D, 2) : null;
        const double Alpha = 0.6;

        var lowRank = left.mm(SpeedClosedForm.EditRight(targets, p, k2, Alpha, lambda));
        var dense = SpeedClosedForm.Edit(left.mm(targets.t()), targets.mm(targets.t()), p, k2, Alpha, lambda);

        Assert.True(SpeedData.Relative(lowRank, dense) < 1e-10, $"relative error {SpeedData.Relative(lowRank, dense)}");
    }
}

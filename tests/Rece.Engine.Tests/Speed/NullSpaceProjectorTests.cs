using Rece.Engine.Speed;
using static TorchSharp.torch;

namespace Rece.Engine.Tests.Speed;

public class NullSpaceProjectorTests
{
    [Fact]
    public void RowsInATwoDimensionalSubspaceLeaveItsOrthogonalComplement()
    {
        var g = new Generator(3);
        var rotation = SpeedData.Basis(g, 6, 6);
        var span = rotation.narrow(1, 0, 2);
        // Rows 3 q1 and 2 q2: the second moment is 4.5 q1 q1^T + 2 q2 q2^T, both above tau = 0.1.
        var rows = stack(new[] { span[.., 0].mul(3.0), span[.., 1].mul(2.0) });

        var p = NullSpaceProjector.Projector(rows, 0.1);

        var expected = SpeedData.Identity(6).sub(span.mm(span.t()));
        Assert.True(p.sub(expected).abs().max().item<double>() < 1e-12, p.ToString(TorchSharp.TensorStringStyle.Julia));
    }

    [Theory]
    [InlineData(1 + 1e-6, false)]
    [InlineData(1 - 1e-6, true)]
    public void AnEigenvalueAtTheThresholdIsExcludedAboveAndIncludedBelow(double factor, bool included)
    {
        const double Tau = 0.1;
        // Second moment diag(4, 1, Tau * factor, 0, 0, 0) from rows sqrt(3 lambda_i) e_i (N = 3).
        var rows = zeros(3, 6, dtype: ScalarType.Float64);
        rows[0, 0] = Math.Sqrt(3 * 4.0);
        rows[1, 1] = Math.Sqrt(3 * 1.0);
        rows[2, 2] = Math.Sqrt(3 * Tau * factor);

        var p = NullSpaceProjector.Projector(rows, Tau);

        var expected = diag(tensor(new[] { 0.0, 0, included ? 1 : 0, 1, 1, 1 }, dtype: ScalarType.Float64));
        Assert.True(p.sub(expected).abs().max().item<double>() < 1e-12);
    }

    [Fact]
    public void NoEigenvalueBelowTheThresholdIsAnIllPosedErasure()
    {
        var g = new Generator(5);
        var rows = SpeedData.Normal(g, 200, 6);

        var error = Assert.Throws<IllPosedErasureException>(() => NullSpaceProjector.Projector(rows, 0.1));

        Assert.Contains("--null-space-threshold", error.Message, StringComparison.Ordinal);
        Assert.Contains("preserve fewer texts", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void NoRetainedRowsLeaveEveryDirectionFree()
    {
        var p = NullSpaceProjector.Projector(zeros(0, 5, dtype: ScalarType.Float64), 0.1);

        Assert.True(SpeedData.Same(p, SpeedData.Identity(5)));
    }

    [Fact]
    public void SolvingWithinTheRowsSpanGivesTheFullEigenproblemsProjector()
    {
        // 5 rows in d = 12, two of them nearly parallel (a small eigenvalue inside the span, below tau).
        var g = new Generator(17);
        var rows = SpeedData.Normal(g, 5, 12);
        rows[4] = rows[3].add(SpeedData.Normal(g, 1, 12).squeeze(0).mul(1e-3));
        var moment = rows.t().mm(rows).div(5);

        var full = NullSpaceProjector.FromMoment(moment, 0.1);
        var within = NullSpaceProjector.FromMoment(moment, 0.1, NullSpaceProjector.RangeOf(rows));

        Assert.True(SpeedData.Relative(within, full) < 1e-10, $"relative error {SpeedData.Relative(within, full)}");
        Assert.Null(NullSpaceProjector.RangeOf(SpeedData.Normal(g, 12, 12)));
    }
}

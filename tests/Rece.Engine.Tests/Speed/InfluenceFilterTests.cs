using Rece.Engine.Speed;
using static TorchSharp.torch;

namespace Rece.Engine.Tests.Speed;

public class InfluenceFilterTests
{
    private static Tensor Matrix(double[,] values) => tensor(values, dtype: ScalarType.Float64);

    [Fact]
    public void KeepsExactlyTheRowsStrictlyAboveTheMeanInfluenceInOrder()
    {
        // E scales e1 by 1 and e2 by 2 and ignores e3, e4.
        var e = Matrix(
            new double[,]
            {
                { 1, 0, 0, 0 },
                { 0, 2, 0, 0 },
            }
        );
        // Influences 1, 2, 0, 3, 0: mean 1.2.
        var rows = Matrix(
            new double[,]
            {
                { 1, 0, 0, 0 },
                { 0, 1, 0, 0 },
                { 0, 0, 5, 0 },
                { 3, 0, 0, 0 },
                { 0, 0, 0, 1 },
            }
        );

        var kept = InfluenceFilter.KeepInfluential(rows, e);

        Assert.True(
            SpeedData.Same(
                kept,
                Matrix(
                    new double[,]
                    {
                        { 0, 1, 0, 0 },
                        { 3, 0, 0, 0 },
                    }
                )
            )
        );
    }

    [Fact]
    public void ARowExactlyAtTheMeanIsDropped()
    {
        var e = Matrix(
            new double[,]
            {
                { 1, 0 },
            }
        );
        // Influences 0, 1, 2: the mean is exactly 1.
        var rows = Matrix(
            new double[,]
            {
                { 0, 7 },
                { 1, 0 },
                { -2, 0 },
            }
        );

        var kept = InfluenceFilter.KeepInfluential(rows, e);

        Assert.True(
            SpeedData.Same(
                kept,
                Matrix(
                    new double[,]
                    {
                        { -2, 0 },
                    }
                )
            )
        );
    }

    [Fact]
    public void EqualInfluencesKeepNothing()
    {
        var e = Matrix(
            new double[,]
            {
                { 1, 0 },
            }
        );
        var rows = Matrix(
            new double[,]
            {
                { 1, 0 },
                { -1, 3 },
                { 1, 5 },
            }
        );

        Assert.Equal(0, InfluenceFilter.KeepInfluential(rows, e).shape[0]);
    }

    [Theory]
    [InlineData(6)]
    [InlineData(3)]
    public void DirectedSamplesFollowTheSmallestSingularValueOfTheReducedSvd(int outputs)
    {
        // W = U diag(s) Q_k^T with s decreasing from 5 by 1 and k = min(outputs, 5): v_min = +-q_k, which for
        // fewer outputs than inputs is the smallest of the 3 singular values, not a direction W ignores.
        var g = new Generator(6);
        var q = SpeedData.Basis(g, 5, 5);
        int k = Math.Min(outputs, 5);
        var u = SpeedData.Basis(g, outputs, k);
        var s = arange(5.0, 5.0 - k, -1.0, dtype: ScalarType.Float64);
        var w = u.mul(s.unsqueeze(0)).mm(q.narrow(1, 0, k).t());

        var v = InfluenceFilter.LeastSensitiveDirection(w);

        Assert.True(v.dot(q[.., k - 1]).abs().item<double>() > 1 - 1e-12);
        var (_, _, vh) = linalg.svd(w, fullMatrices: false);
        Assert.True(v.dot(vh[-1]).abs().item<double>() > 1 - 1e-12, "the reduced SVD's last right singular vector");
    }

    [Fact]
    public void DirectedSamplesAreKeptAboveTheirChunksMeanInfluence()
    {
        const int PerRow = 4;
        var g = new Generator(8);
        // 300 rows: chunks of 128, 128 and 44.
        var rows = SpeedData.Normal(g, 300, 6);
        var e = SpeedData.Normal(g, 5, 6);
        var v = SpeedData.Normal(g, 6, 1).squeeze(1);
        v = v.div(v.norm());

        var (sampleRows, noise) = InfluenceFilter.Augment(rows.mm(e.t()), e.mv(v), PerRow, new Generator(99));

        // The same draws, with every sample formed and scored explicitly.
        var draws = new Generator(99);
        var expectedRows = new List<long>();
        var expectedNoise = new List<double>();
        for (int start = 0; start < 300; start += InfluenceFilter.ChunkRows)
        {
            int m = Math.Min(InfluenceFilter.ChunkRows, 300 - start);
            var z = randn(PerRow, m, dtype: ScalarType.Float64, generator: draws);
            var scores = new double[PerRow, m];
            for (int s = 0; s < PerRow; s++)
            for (int i = 0; i < m; i++)
            {
                var sample = rows[start + i].add(v.mul(z[s, i]));
                scores[s, i] = e.mv(sample).norm().item<double>();
            }
            double mean = scores.Cast<double>().Average();
            for (int s = 0; s < PerRow; s++)
            for (int i = 0; i < m; i++)
                if (scores[s, i] > mean)
                {
                    expectedRows.Add(start + i);
                    expectedNoise.Add(z[s, i].item<double>());
                }
        }

        Assert.Equal(expectedRows, sampleRows.data<long>().ToArray());
        Assert.Equal(expectedNoise.Count, (int)noise.shape[0]);
        var actualNoise = noise.data<double>().ToArray();
        for (int i = 0; i < actualNoise.Length; i++)
            Assert.Equal(expectedNoise[i], actualNoise[i], 12);
        Assert.InRange(expectedRows.Count, 1, 300 * PerRow - 1);
    }

    [Fact]
    public void TheSamplesGramEqualsTheSumOverTheFormedSamples()
    {
        var g = new Generator(12);
        var rows = SpeedData.Normal(g, 5, 4);
        var v = SpeedData.Normal(g, 4, 1).squeeze(1);
        v = v.div(v.norm());
        var sampleRows = tensor(new long[] { 0, 3, 3, 1, 0, 3 });
        var noise = tensor(new[] { 0.5, -1.2, 2.0, 0.1, -0.7, 0.3 }, dtype: ScalarType.Float64);

        var gram = InfluenceFilter.SampleGram(rows, sampleRows, noise, v);

        var samples = rows.index_select(0, sampleRows).add(noise.unsqueeze(1).mul(v.unsqueeze(0)));
        Assert.True(SpeedData.Relative(gram, samples.t().mm(samples)) < 1e-13);
    }
}

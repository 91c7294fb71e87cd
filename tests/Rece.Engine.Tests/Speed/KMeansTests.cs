using Rece.Engine.Speed;
using static TorchSharp.torch;

namespace Rece.Engine.Tests.Speed;

public class KMeansTests
{
    /// <summary>76 rows in three tight clusters (sizes 30, 20, 26) around far apart points, shuffled.</summary>
    private static (Tensor Rows, Tensor[] Means) Clusters()
    {
        var g = new Generator(17);
        var sizes = new[] { 30, 20, 26 };
        var points = new[] { 0.0, 100.0, -100.0 };
        var clusters = sizes
            .Select((n, j) => SpeedData.Normal(g, n, 5).mul(0.1).add(points[j] * (j == 2 ? 0.5 : 1.0)))
            .ToArray();
        var rows = cat(clusters, 0);
        var order = randperm(rows.shape[0], generator: g);
        return (rows.index_select(0, order), clusters.Select(c => c.mean(new long[] { 0 })).ToArray());
    }

    [Fact]
    public void WellSeparatedClustersAreRecoveredExactly()
    {
        var (rows, means) = Clusters();

        // Seed 1 starts from rows of three different clusters (Lloyd's algorithm cannot escape a start with two
        // centres in one cluster; kmeans_pytorch starts the same way).
        var centres = KMeans.Centres(rows, 3, new Generator(1));

        foreach (var mean in means)
        {
            double nearest = centres.sub(mean.unsqueeze(0)).norm(1).min().item<double>();
            Assert.True(nearest < 1e-12, $"no centre at the cluster mean (nearest {nearest})");
        }
    }

    [Fact]
    public void EverySeedEndsAtAFixedPointOfLloydsAlgorithm()
    {
        var (rows, _) = Clusters();
        for (ulong seed = 0; seed < 6; seed++)
        {
            var centres = KMeans.Centres(rows, 3, new Generator(seed));
            var assignment = rows.unsqueeze(1).sub(centres.unsqueeze(0)).pow(2).sum(2).argmin(1);
            for (int j = 0; j < 3; j++)
            {
                var members = rows.index_select(0, assignment.eq(j).nonzero().squeeze(1));
                double error = members.mean(new long[] { 0 }).sub(centres[j]).norm().item<double>();
                Assert.True(error < 1e-9, $"seed {seed}, centre {j} is {error} away from its cluster's mean");
            }
        }
    }

    [Fact]
    public void TheSameSeedGivesTheSameCentresAndAnotherMayNot()
    {
        var g = new Generator(4);
        var rows = SpeedData.Normal(g, 76, 8);

        var first = KMeans.Centres(rows, 3, new Generator(7));
        var again = KMeans.Centres(rows, 3, new Generator(7));
        var other = KMeans.Centres(rows, 3, new Generator(8));

        Assert.True(SpeedData.Same(first, again));
        Assert.False(SpeedData.Same(first, other));
    }

    [Fact]
    public void DuplicateRowsEmptyAClusterThatTakesARandomRow()
    {
        // Two distinct values only: one of three centres always ends with no rows of its own.
        var rows = cat(new[] { zeros(10, 3, dtype: ScalarType.Float64), ones(10, 3, dtype: ScalarType.Float64) }, 0);

        for (ulong seed = 0; seed < 5; seed++)
        {
            var centres = KMeans.Centres(rows, 3, new Generator(seed));

            // An emptied cluster would average no rows (NaN) if it did not take a random row.
            Assert.True(centres.ge(0).all().item<bool>() && centres.le(1).all().item<bool>());
        }
    }

    [Fact]
    public void MoreClustersThanRowsAreRefused()
    {
        Assert.Throws<ArgumentException>(() =>
            KMeans.Centres(zeros(2, 3, dtype: ScalarType.Float64), 3, new Generator(0))
        );
    }
}

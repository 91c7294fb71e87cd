using static TorchSharp.torch;

namespace Rece.Engine.Speed;

/// <summary>
/// Lloyd's k-means as kmeans_pytorch runs it in the public code: SPEED summarises the 76 near-identical padding rows
/// of the empty prompt by 3 centres, so the invariance constraint has 4 columns instead of 77 and stays well posed.
/// </summary>
internal static class KMeans
{
    /// <summary>kmeans_pytorch's tolerance: it stops once (sum of the centres' shifts)^2 falls below it.</summary>
    public const double Tolerance = 1e-4;

    public const int MaxIterations = 1000;

    /// <summary>
    /// The <paramref name="k"/> centres (k x d, float64) of <paramref name="rows"/> (n x d). The initial centres are k
    /// distinct rows and an empty cluster takes a random row, both drawn from <paramref name="generator"/> (CPU), so a
    /// seed fixes the result.
    /// </summary>
    public static Tensor Centres(Tensor rows, int k, Generator generator)
    {
        if (rows.ndim != 2)
            throw new ArgumentException($"K-means needs rows (n x d), got [{string.Join(", ", rows.shape)}].");
        long n = rows.shape[0];
        if (k < 1 || k > n)
            throw new ArgumentException($"K-means needs between 1 and {n} clusters for {n} rows, got {k}.");

        using var scope = NewDisposeScope();
        var x = rows.to(ScalarType.Float64);
        var start = randperm(n, generator: generator).narrow(0, 0, k).to(x.device);
        var centres = x.index_select(0, start);
        for (int iteration = 0; iteration < MaxIterations; iteration++)
        {
            using var step = NewDisposeScope();
            // Squared distances (n x k); argmin takes the first of equal distances, as torch.argmin does.
            var assignment = x.unsqueeze(1).sub(centres.unsqueeze(0)).pow(2).sum(2).argmin(1);
            var next = empty_like(centres);
            for (int j = 0; j < k; j++)
            {
                var members = assignment.eq(j).nonzero().squeeze(1);
                if (members.shape[0] == 0)
                {
                    var pick = randint(n, new long[] { 1 }, generator: generator).to(x.device);
                    next[j] = x.index_select(0, pick)[0];
                }
                else
                    next[j] = x.index_select(0, members).mean(new long[] { 0 });
            }
            double shift = next.sub(centres).pow(2).sum(1).sqrt().sum().item<double>();
            centres = next.MoveToOuterDisposeScope();
            if (shift * shift < Tolerance)
                break;
        }
        return centres.MoveToOuterDisposeScope();
    }
}

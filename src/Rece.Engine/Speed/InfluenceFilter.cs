using static TorchSharp.torch;

namespace Rece.Engine.Speed;

/// <summary>
/// SPEED's choice of what the null space must protect for one matrix. IPF keeps the retained rows the unconstrained
/// edit E would disturb more than average (the others are safe anyway, and dropping them widens the null space); DPA
/// adds copies of them shifted along the direction W is least sensitive to, keeping the copies E disturbs more than
/// average, so the null space also avoids the neighbourhood in which those rows' outputs barely differ.
/// </summary>
internal static class InfluenceFilter
{
    /// <summary>The public code draws and filters the directed samples chunk by chunk, each against its own
    /// mean.</summary>
    public const int ChunkRows = 128;

    /// <summary>The rows of <paramref name="rows"/> (n x d) whose influence ||E c^T|| under <paramref name="edit"/>
    /// E (d_out x d) is strictly above the mean influence of all of them, in their order.</summary>
    public static Tensor KeepInfluential(Tensor rows, Tensor edit)
    {
        using var scope = NewDisposeScope();
        var r = rows.to(ScalarType.Float64);
        var keep = AboveMean(RowNorms(r.mm(edit.to(ScalarType.Float64).t()))).nonzero().squeeze(1);
        return r.index_select(0, keep).MoveToOuterDisposeScope();
    }

    /// <summary>Euclidean norm of each row: a row of outputs (E c^T)^T gives c's influence.</summary>
    public static Tensor RowNorms(Tensor outputs) => outputs.pow(2).sum(1).sqrt();

    /// <summary>Which scores are strictly above their mean; none of an empty set.</summary>
    public static Tensor AboveMean(Tensor scores) =>
        scores.shape[0] == 0 ? zeros(0, dtype: ScalarType.Bool, device: scores.device) : scores.gt(scores.mean());

    /// <summary>
    /// v_min (d, unit length, sign arbitrary): the direction DPA perturbs along. As torch.svd gives it in the public
    /// code, the last right singular vector of the reduced SVD: for d_out &lt; d that is the smallest of the d_out
    /// singular values, not one of the (equally null, so arbitrary) directions W ignores entirely.
    /// </summary>
    /// <remarks>
    /// Found from the smaller of W^T W and W W^T by a symmetric eigendecomposition, which costs a fraction of the SVD
    /// (a 320 x 768 matrix needs a 320 x 320 one): for d_out &lt; d, v = W^T u / ||W^T u|| with u the eigenvector of
    /// W W^T of the smallest eigenvalue.
    /// </remarks>
    public static Tensor LeastSensitiveDirection(Tensor weight)
    {
        using var scope = NewDisposeScope();
        var w = weight.to(ScalarType.Float64);
        if (w.shape[0] >= w.shape[1])
        {
            var (_, vectors) = linalg.eigh(w.t().mm(w));
            return vectors[.., 0].contiguous().MoveToOuterDisposeScope();
        }
        var (_, left) = linalg.eigh(w.mm(w.t()));
        var v = w.t().mv(left[.., 0]);
        return v.div(v.norm()).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// DPA: for each row c_i, <paramref name="perRow"/> samples c_i + z v^T with z ~ N(0, 1), drawn from
    /// <paramref name="generator"/> (CPU) chunk by chunk of <see cref="ChunkRows"/> rows, keeping the samples whose
    /// influence is above the mean of their chunk's samples. A sample's outputs are E c_i^T + z E v, so only the rows'
    /// outputs and E v are needed.
    /// </summary>
    /// <param name="outputs">(E c_i^T)^T for each row (n x d_out).</param>
    /// <param name="directionOutput">E v (d_out).</param>
    /// <returns>For each kept sample, its row's index (int64) and its z (float64), in the order drawn.</returns>
    public static (Tensor Rows, Tensor Noise) Augment(
        Tensor outputs,
        Tensor directionOutput,
        int perRow,
        Generator generator
    )
    {
        using var scope = NewDisposeScope();
        var o = outputs.to(ScalarType.Float64);
        var e = directionOutput.to(ScalarType.Float64);
        long n = o.shape[0];
        var device = o.device;
        // ||o + z e||^2 = ||o||^2 + 2 z o.e + z^2 ||e||^2: no sample's outputs are ever formed.
        var squaredNorms = o.pow(2).sum(1);
        var dots = o.mv(e);
        var directionSquared = e.dot(e);
        var rows = new List<Tensor>();
        var noise = new List<Tensor>();
        for (long start = 0; start < n; start += ChunkRows)
        {
            long m = Math.Min(ChunkRows, n - start);
            var z = randn(perRow, m, dtype: ScalarType.Float64, generator: generator).to(device);
            var squared = squaredNorms
                .narrow(0, start, m)
                .unsqueeze(0)
                .add(z.mul(dots.narrow(0, start, m).unsqueeze(0)).mul_(2))
                .add_(z.pow(2).mul_(directionSquared));
            var scores = squared.clamp_min(0).sqrt();
            var keep = scores.gt(scores.mean());
            var index = arange(start, start + m, dtype: ScalarType.Int64, device: device)
                .unsqueeze(0)
                .expand(perRow, m);
            rows.Add(index.masked_select(keep));
            noise.Add(z.masked_select(keep));
        }
        if (rows.Count == 0)
            return (
                zeros(0, dtype: ScalarType.Int64, device: device).MoveToOuterDisposeScope(),
                zeros(0, dtype: ScalarType.Float64, device: device).MoveToOuterDisposeScope()
            );
        return (cat(rows, 0).MoveToOuterDisposeScope(), cat(noise, 0).MoveToOuterDisposeScope());
    }

    /// <summary>
    /// sum over the samples of s^T s for s = c_i + z v^T (d x d), without forming the samples:
    /// sum_i k_i c_i^T c_i + v a^T + a v^T + (sum z^2) v v^T, with k_i the samples of row i and a = sum z c_i^T.
    /// </summary>
    /// <param name="rows">The rows the samples were drawn around (n x d).</param>
    /// <param name="sampleRows">Each sample's row index.</param>
    /// <param name="noise">Each sample's z.</param>
    /// <param name="direction">v (d), unit length.</param>
    public static Tensor SampleGram(Tensor rows, Tensor sampleRows, Tensor noise, Tensor direction)
    {
        using var scope = NewDisposeScope();
        var r = rows.to(ScalarType.Float64);
        var v = direction.to(ScalarType.Float64);
        long n = r.shape[0];
        var counts = zeros(n, dtype: ScalarType.Float64, device: r.device)
            .index_add_(0, sampleRows, ones_like(noise), 1);
        var sums = zeros(n, dtype: ScalarType.Float64, device: r.device).index_add_(0, sampleRows, noise, 1);
        // Only the rows that have samples contribute to the first term.
        var used = counts.gt(0).nonzero().squeeze(1);
        var usedRows = r.index_select(0, used);
        var gram = usedRows.mul(counts.index_select(0, used).unsqueeze(1)).t().mm(usedRows);
        var a = r.t().mv(sums);
        var va = outer(v, a);
        gram.add_(va).add_(va.t()).add_(outer(v, v).mul_(noise.pow(2).sum()));
        return gram.MoveToOuterDisposeScope();
    }
}

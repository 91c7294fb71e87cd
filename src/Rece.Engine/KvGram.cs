using static TorchSharp.torch;

namespace Rece.Engine;

/// <summary>G0 = sum_l W0_l^T W0_l over the cross-attention key and value matrices: all the algorithm needs of
/// them.</summary>
public static class KvGram
{
    /// <summary>
    /// Accumulates W^T W for each matrix ([out, d]) into a float64 d x d sum. Each product runs in the matrix's own
    /// precision, at least float32 (checkpoints hold float32 or less, and it is the BLAS fast path: half the time of
    /// float64 on the full SD v1.4 set); the sum across matrices is float64. Pass the matrices stacked along the rows
    /// for speed: one large product runs far closer to the CPU's peak than 32 small ones.
    /// </summary>
    public static Tensor Compute(IEnumerable<Tensor> matrices)
    {
        Tensor? gram = null;
        foreach (var matrix in matrices)
        {
            if (matrix.ndim != 2)
                throw new ArgumentException(
                    $"K/V weights must be matrices, got shape [{string.Join(", ", matrix.shape)}]."
                );
            using var scope = NewDisposeScope();
            var w = matrix.dtype is ScalarType.Float32 or ScalarType.Float64 ? matrix : matrix.to(ScalarType.Float32);
            var product = w.t().mm(w).to(ScalarType.Float64);
            if (gram is null)
                gram = product.MoveToOuterDisposeScope();
            else if (gram.shape[0] != product.shape[0])
                throw new ArgumentException(
                    $"K/V weights disagree on the embedding size: {gram.shape[0]} and {product.shape[0]}."
                );
            else
                gram.add_(product);
        }
        return gram ?? throw new ArgumentException("No K/V matrices were given.");
    }
}

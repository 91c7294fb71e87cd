using static TorchSharp.torch;

namespace Rece.Engine.Tests;

/// <summary>Random K/V matrices and embeddings of the right shapes (float64, seeded).</summary>
internal sealed class RandomProblem
{
    public RandomProblem(int seed, int d = 24, int concepts = 1, int preserveTexts = 1, int[]? outSizes = null)
    {
        var generator = new Generator((ulong)seed);
        Tensor Normal(long rows, long cols, double scale) =>
            randn(rows, cols, dtype: ScalarType.Float64, generator: generator).mul(scale);
        Original = (outSizes ?? new[] { 16, 16, 32, 32, 8, 8 }).Select(o => Normal(o, d, 0.2)).ToList();
        Empty = Normal(77, d, 1.0);
        Space = Empty.clone();
        Preserve = Enumerable.Range(0, preserveTexts).Select(_ => Normal(77, d, 1.0)).ToList();
        // Concepts share the BOS row and padding-like tail with the empty text, as real embeddings do.
        Concepts = Enumerable
            .Range(0, concepts)
            .Select(i =>
            {
                var concept = Normal(77, d, 1.0);
                concept[0] = Empty[0];
                return new ConceptToErase($"concept{i}", concept, 2 + i, " ", Empty, 0);
            })
            .ToList();
        Gram = KvGram.Compute(Original);
    }

    public List<Tensor> Original { get; }
    public Tensor Empty { get; }
    public Tensor Space { get; }
    public List<Tensor> Preserve { get; }
    public List<ConceptToErase> Concepts { get; }
    public Tensor Gram { get; }

    public ErasureResult Run(ReceParameters p) => ReceAlgorithm.Run(Gram, Concepts, Empty, Space, Preserve, p);

    public static double RelativeError(Tensor actual, Tensor expected) =>
        actual.sub(expected).norm().item<double>() / expected.norm().item<double>();
}

using static TorchSharp.torch;

namespace Rece.Engine;

/// <summary>
/// The user's preserve texts as the erase math needs them: the Gram matrix R = sum_r r r^T of all their token
/// embeddings (d x d, float64) and how many texts it sums. The rows themselves are kept only while they are fewer than
/// d (where measuring on rows is cheaper than on R): 2,000 texts are 154,000 rows, 950 MB in float64.
/// </summary>
public sealed class PreserveSet : IDisposable
{
    /// <summary>Texts per product when accumulating R: large enough for the BLAS fast path, small in memory.</summary>
    private const int TextsPerChunk = 64;

    /// <param name="rows">The rows R sums, when fewer than d (optional: the drift is then measured on R).</param>
    public PreserveSet(Tensor gram, int count, Tensor? rows = null)
    {
        if (gram.ndim != 2 || gram.shape[0] != gram.shape[1])
            throw new ArgumentException("The preserve Gram matrix must be square (d x d).", nameof(gram));
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        // Copies: the caller keeps its tensors, and this set may outlive the caller's dispose scope.
        Gram = gram.to(ScalarType.Float64, copy: true).contiguous().DetachFromDisposeScope();
        Count = count;
        Rows = rows?.to(ScalarType.Float64, copy: true).contiguous().DetachFromDisposeScope();
    }

    /// <summary>R = sum_r r r^T over every row of every text (float64).</summary>
    public Tensor Gram { get; }

    /// <summary>Number of preserve texts (each 77 rows).</summary>
    public int Count { get; }

    /// <summary>All rows (float64), or null when there are d or more.</summary>
    public Tensor? Rows { get; }

    /// <summary>Sums R over <paramref name="embeddings"/> (each 77 x d) a chunk at a time, never holding all
    /// rows.</summary>
    public static PreserveSet FromEmbeddings(IEnumerable<Tensor> embeddings, long dimension)
    {
        using var accumulator = new Accumulator(dimension);
        foreach (var chunk in embeddings.Chunk(TextsPerChunk))
            accumulator.Add(chunk);
        return accumulator.Build();
    }

    /// <summary>Builds a <see cref="PreserveSet"/> from texts added a chunk at a time (e.g. as they are
    /// encoded).</summary>
    public sealed class Accumulator(long dimension) : IDisposable
    {
        private readonly Tensor _gram = zeros(dimension, dimension, dtype: ScalarType.Float64).DetachFromDisposeScope();
        private readonly List<Tensor> _kept = new();
        private long _rows;
        private int _count;

        /// <summary>Adds the texts' embeddings (each n x d); the caller keeps and disposes them.</summary>
        public void Add(IReadOnlyCollection<Tensor> texts)
        {
            ArgumentNullException.ThrowIfNull(texts);
            if (texts.Count == 0)
                return;
            using var scope = NewDisposeScope();
            var stacked = cat(texts.Select(e => e.to(ScalarType.Float64)).ToArray(), 0);
            if (stacked.ndim != 2 || stacked.shape[1] != dimension)
                throw new ArgumentException(
                    $"Preserve embeddings must be n x {dimension}; got [{string.Join(", ", stacked.shape)}]."
                );
            _gram.addmm_(stacked.t(), stacked);
            _count += texts.Count;
            _rows += stacked.shape[0];
            if (_rows < dimension)
            {
                _kept.Add(stacked.DetachFromDisposeScope());
            }
            else
            {
                foreach (var kept in _kept)
                    kept.Dispose();
                _kept.Clear();
            }
        }

        public PreserveSet Build()
        {
            using var scope = NewDisposeScope();
            Tensor? rows =
                _rows >= dimension ? null
                : _kept.Count == 0 ? zeros(0, dimension, dtype: ScalarType.Float64)
                : cat(_kept.ToArray(), 0);
            return new PreserveSet(_gram, _count, rows);
        }

        public void Dispose()
        {
            _gram.Dispose();
            foreach (var kept in _kept)
                kept.Dispose();
        }
    }

    public void Dispose()
    {
        Gram.Dispose();
        Rows?.Dispose();
    }
}

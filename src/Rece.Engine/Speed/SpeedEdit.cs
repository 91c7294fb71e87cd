using static TorchSharp.torch;

namespace Rece.Engine.Speed;

/// <summary>
/// SPEED (Li et al., ICLR 2026) as its public code edits each cross-attention matrix: W_new = W F with
/// F = I + X (<see cref="SpeedClosedForm"/>), the edit confined to the null space of the retained token rows and kept
/// off the empty prompt's tokens. Everything that does not depend on W (the concepts' moments, the invariant columns
/// K2, and with no augmentation the whole factor) is computed once here; <see cref="Factor(Tensor, int)"/> does only
/// the per-matrix part (IPF, DPA and the null space of the result).
/// </summary>
public sealed class SpeedEdit : IDisposable
{
    /// <summary>CLIP's context length: the empty prompt's encoding has this many rows.</summary>
    public const int ContextLength = 77;

    /// <summary>The empty prompt's non-start rows are summarised by this many k-means centres.</summary>
    public const int NullClusters = 3;

    private readonly SpeedParameters _parameters;
    private readonly Tensor _targetGram;
    private readonly Tensor _difference;
    private readonly Tensor _invariant;
    private readonly Tensor _retain;

    /// <summary>c G^T for every retained row c: its influence under a matrix W is ||c G^T W^T||, so the part shared
    /// by every W is formed once. Null when the factor does not depend on W.</summary>
    private readonly Tensor? _retainInfluence;

    /// <summary>G = D (I + S_tt)^-1, with which the unconstrained edit of W is E = W G (d x d).</summary>
    private readonly Tensor? _influenceMap;

    /// <summary>sum_r r^T r over every retained row, when every layer keeps them all (no prior filter).</summary>
    private readonly Tensor? _retainGram;

    /// <summary>The factor itself, when it does not depend on W.</summary>
    private readonly Tensor? _factor;

    /// <summary>T and L (d x R) with S_tt = T T^T and D = L T^T, while the target rows R are fewer than d: the edit is
    /// then formed as X = L Z^T in O(R d^2) (<see cref="SpeedClosedForm.EditRight"/>). Null for the dense form.</summary>
    private readonly (Tensor Targets, Tensor Left)? _lowRank;
    private long _calls;

    private SpeedEdit(
        SpeedParameters parameters,
        Tensor targetGram,
        Tensor difference,
        Tensor invariant,
        Tensor retain,
        Tensor? influenceMap,
        Tensor? retainInfluence,
        Tensor? retainGram,
        Tensor? factor,
        (Tensor Targets, Tensor Left)? lowRank
    )
    {
        _lowRank = lowRank;
        _parameters = parameters;
        _targetGram = targetGram;
        _difference = difference;
        _invariant = invariant;
        _retain = retain;
        _influenceMap = influenceMap;
        _retainInfluence = retainInfluence;
        _retainGram = retainGram;
        _factor = factor;
        Dimension = targetGram.shape[0];
    }

    /// <summary>d, the width of a token embedding.</summary>
    public long Dimension { get; }

    /// <summary>
    /// Whether <see cref="Factor(Tensor, int)"/> depends on the matrix: only IPF and DPA (augmentations &gt; 0) make
    /// the null space, and so F, differ per matrix. When false every matrix gets the same F.
    /// </summary>
    public bool DependsOnWeights => _factor is null;

    /// <summary>K2 (d x 4): the start-of-text row of the empty prompt and the k-means centres of its other
    /// rows.</summary>
    internal Tensor InvariantColumns => _invariant;

    /// <summary>
    /// Prepares the edit of every matrix for the erased <paramref name="pairs"/>.
    /// </summary>
    /// <param name="pairs">Per erased concept, target rows and the anchor rows they map to (n_j x d each).</param>
    /// <param name="retain">The token rows whose outputs must be preserved (N x d), in the order DPA chunks
    /// them.</param>
    /// <param name="nullText">The text encoder's output for the empty prompt (77 x d).</param>
    public static SpeedEdit Prepare(
        IReadOnlyList<SpeedPair> pairs,
        Tensor retain,
        Tensor nullText,
        SpeedParameters parameters
    )
    {
        ArgumentNullException.ThrowIfNull(pairs);
        ArgumentNullException.ThrowIfNull(retain);
        ArgumentNullException.ThrowIfNull(nullText);
        ArgumentNullException.ThrowIfNull(parameters);
        parameters.Validate();
        if (nullText.ndim != 2 || nullText.shape[0] != ContextLength)
            throw new ArgumentException(
                $"The empty prompt's encoding must be {ContextLength} x d, got {Shape(nullText)}.",
                nameof(nullText)
            );
        long d = nullText.shape[1];
        if (pairs.Count == 0)
            throw new ArgumentException("SPEED needs at least one concept to erase.", nameof(pairs));
        for (int j = 0; j < pairs.Count; j++)
        {
            var (target, anchor) = pairs[j];
            if (target.ndim != 2 || target.shape[0] == 0 || target.shape[1] != d)
                throw new ArgumentException(
                    $"Concept {j}'s target rows must be n x {d} with n >= 1, got {Shape(target)}.",
                    nameof(pairs)
                );
            if (!anchor.shape.SequenceEqual(target.shape))
                throw new ArgumentException(
                    $"Concept {j}'s anchor rows {Shape(anchor)} must pair with its target rows {Shape(target)}.",
                    nameof(pairs)
                );
        }
        if (retain.ndim != 2 || retain.shape[1] != d)
            throw new ArgumentException($"The retained rows must be N x {d}, got {Shape(retain)}.", nameof(retain));

        using var scope = NewDisposeScope();
        var device = nullText.device;
        var empty = nullText.to(ScalarType.Float64);
        var r = retain.to(ScalarType.Float64, device);
        // Every concept's rows stacked, so each sum over concepts is one product: S_tt = T T^T and D = L T^T with
        // T = [T_j^T] / sqrt(n), L = [(A_j - T_j)^T] / sqrt(n).
        double scale = 1 / Math.Sqrt(pairs.Count);
        var targetColumns = cat(pairs.Select(p => p.Target.to(ScalarType.Float64, device)).ToArray(), 0).t().mul(scale);
        var leftColumns = cat(pairs.Select(p => p.Anchor.to(ScalarType.Float64, device)).ToArray(), 0)
            .t()
            .mul(scale)
            .sub_(targetColumns);
        var targetGram = targetColumns.mm(targetColumns.t());
        var difference = leftColumns.mm(targetColumns.t());
        (Tensor Targets, Tensor Left)? lowRank = targetColumns.shape[1] < d ? (targetColumns, leftColumns) : null;
        RequireFinite(empty, "the empty prompt's encoding");
        RequireFinite(r, "the retained rows");
        RequireFinite(targetGram.add(difference), "the erased concepts' target or anchor rows");

        using var generator = new Generator(unchecked((ulong)parameters.Seed));
        var centres = KMeans.Centres(empty.narrow(0, 1, ContextLength - 1), NullClusters, generator);
        var invariant = cat(new[] { empty.narrow(0, 0, 1), centres }, 0).t().contiguous();

        Tensor? influenceMap = null;
        Tensor? retainInfluence = null;
        Tensor? retainGram = null;
        Tensor? factor = null;
        if (parameters.Augmentations == 0)
        {
            // Neither IPF nor DPA runs, so the null space, and the whole factor, is the same for every matrix.
            var projector = NullSpaceProjector.Projector(r, parameters.Threshold);
            factor = EditFactor(difference, targetGram, projector, invariant, parameters, lowRank);
        }
        else
        {
            // G = D (I + S_tt)^-1 = ((I + S_tt)^-1 D^T)^T, I + S_tt symmetric positive definite.
            var shifted = targetGram.clone();
            shifted.diagonal().add_(1.0);
            influenceMap = linalg.solve(shifted, difference.t()).t().contiguous();
            retainInfluence = r.mm(influenceMap.t());
            if (!parameters.PriorFilter)
                retainGram = r.t().mm(r);
        }

        return new SpeedEdit(
            parameters,
            Keep(targetGram)!,
            Keep(difference)!,
            Keep(invariant)!,
            Keep(r)!,
            Keep(influenceMap),
            Keep(retainInfluence),
            Keep(retainGram),
            Keep(factor),
            lowRank is { } parts ? (Keep(parts.Targets)!, Keep(parts.Left)!) : null
        );
    }

    /// <summary>
    /// F (d x d, float64) for <paramref name="weight"/> W (d_out x d): W_new = W F. Its random draws come from a
    /// generator seeded by the seed and <paramref name="layer"/> alone, so matrices may be processed in any order, or
    /// in parallel, with the same result.
    /// </summary>
    /// <param name="layer">Identifies the matrix among those edited (any stable number, such as its index).</param>
    public Tensor Factor(Tensor weight, int layer)
    {
        ArgumentNullException.ThrowIfNull(weight);
        if (weight.ndim != 2 || weight.shape[1] != Dimension)
            throw new ArgumentException(
                $"A matrix to edit must be d_out x {Dimension}, got {Shape(weight)}.",
                nameof(weight)
            );
        if (_factor is not null)
            return _factor.clone();

        using var scope = NewDisposeScope();
        var w = weight.to(ScalarType.Float64, _retain.device);
        RequireFinite(w, $"matrix {layer}'s weights");
        var influenceMap = _influenceMap!;
        var outputs = _retainInfluence!.mm(w.t());

        // IPF: the rows the unconstrained edit E = W G would disturb more than average.
        Tensor rows = _retain;
        Tensor? gram = _retainGram;
        if (_parameters.PriorFilter)
        {
            var keep = InfluenceFilter.AboveMean(InfluenceFilter.RowNorms(outputs)).nonzero().squeeze(1);
            rows = _retain.index_select(0, keep);
            outputs = outputs.index_select(0, keep);
            gram = rows.t().mm(rows);
        }

        // DPA along the direction W is least sensitive to.
        var v = InfluenceFilter.LeastSensitiveDirection(w);
        using var generator = new Generator(LayerSeed(_parameters.Seed, layer));
        var (sampleRows, noise) = InfluenceFilter.Augment(
            outputs,
            w.mv(influenceMap.mv(v)),
            _parameters.Augmentations,
            generator
        );
        var sum = gram!.add(InfluenceFilter.SampleGram(rows, sampleRows, noise, v));
        long count = rows.shape[0] + sampleRows.shape[0];
        // The samples lie in the span of their rows and v: so does the moment's range.
        var range = NullSpaceProjector.RangeOf(cat(new[] { rows, v.unsqueeze(0) }, 0));
        var projector = NullSpaceProjector.FromMoment(sum.div_(Math.Max(count, 1)), _parameters.Threshold, range);
        return EditFactor(_difference, _targetGram, projector, _invariant, _parameters, _lowRank)
            .MoveToOuterDisposeScope();
    }

    /// <summary>F = I + X for the projector <paramref name="projector"/>, by the low-rank form when there is
    /// one.</summary>
    private static Tensor EditFactor(
        Tensor difference,
        Tensor targetGram,
        Tensor projector,
        Tensor invariant,
        SpeedParameters parameters,
        (Tensor Targets, Tensor Left)? lowRank
    )
    {
        Tensor factor;
        if (lowRank is { } parts)
        {
            var right = SpeedClosedForm.EditRight(
                parts.Targets,
                projector,
                invariant,
                parameters.RetainScale,
                parameters.InvarianceLambda
            );
            factor = parts.Left.mm(right);
        }
        else
        {
            factor = SpeedClosedForm.Edit(
                difference,
                targetGram,
                projector,
                invariant,
                parameters.RetainScale,
                parameters.InvarianceLambda
            );
        }
        factor.diagonal().add_(1.0);
        return factor;
    }

    /// <summary>
    /// <see cref="Factor(Tensor, int)"/> with the number of earlier calls as the layer: the same calls in the same
    /// order give the same factors.
    /// </summary>
    public Tensor Factor(Tensor weight) => Factor(weight, (int)(Interlocked.Increment(ref _calls) - 1));

    public void Dispose()
    {
        _targetGram.Dispose();
        _difference.Dispose();
        _invariant.Dispose();
        _retain.Dispose();
        _influenceMap?.Dispose();
        _retainInfluence?.Dispose();
        _retainGram?.Dispose();
        _factor?.Dispose();
        _lowRank?.Targets.Dispose();
        _lowRank?.Left.Dispose();
    }

    /// <summary>A seed per layer that neither repeats the run's seed nor another layer's (SplitMix64 of
    /// both).</summary>
    internal static ulong LayerSeed(long seed, int layer)
    {
        ulong z = unchecked((ulong)seed + 0x9E3779B97F4A7C15UL * ((ulong)(uint)layer + 1));
        z = unchecked((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL);
        z = unchecked((z ^ (z >> 27)) * 0x94D049BB133111EBUL);
        return z ^ (z >> 31);
    }

    /// <summary>Detached, not moved out: the edit outlives any scope its caller has open.</summary>
    private static Tensor? Keep(Tensor? tensor) => tensor?.contiguous().DetachFromDisposeScope();

    private static void RequireFinite(Tensor t, string what)
    {
        if (!isfinite(t).all().item<bool>())
            throw new IllPosedErasureException(
                $"SPEED cannot edit with non-finite values (NaN or infinite) in {what}; the model or its embeddings are damaged."
            );
    }

    private static string Shape(Tensor t) => "[" + string.Join(", ", t.shape) + "]";
}

using static TorchSharp.torch;

namespace Rece.Engine;

/// <summary>
/// The fixed inputs of one erasure, prepared once in float64: G0, the concepts and their guides, the preserve Gram
/// matrices of the UCE pass and of the RECE epochs, the rows whose drift is measured, and the parameters. Everything
/// a stage needs besides the current model state, so a stage can run in another process from a checkpoint.
/// </summary>
public sealed class ErasureProblem : IDisposable
{
    public const int ContextLength = 77;

    /// <param name="originalGram">G0 of the original K/V matrices.</param>
    /// <param name="concepts">Concepts to erase jointly.</param>
    /// <param name="emptyText">Embedding of "" (UCE's default preserve text and part of the drift set).</param>
    /// <param name="spaceText">Embedding of " " (RECE's per-concept preserve text).</param>
    /// <param name="preserve">Embeddings of the user's preserve texts.</param>
    public ErasureProblem(Tensor originalGram, IReadOnlyList<ConceptToErase> concepts, Tensor emptyText, Tensor spaceText, IReadOnlyList<Tensor> preserve, ReceParameters parameters)
    {
        if (concepts.Count == 0)
            throw new ArgumentException("At least one concept to erase is required.", nameof(concepts));
        parameters.Validate(preserve.Count);
        if (originalGram.ndim != 2 || originalGram.shape[0] != originalGram.shape[1])
            throw new ArgumentException("The Gram matrix of the original weights must be square (d x d).", nameof(originalGram));
        long d = originalGram.shape[0];
        foreach (var tensor in concepts.SelectMany(c => new[] { c.ConceptEmbedding, c.GuideEmbedding }).Concat(preserve).Append(emptyText).Append(spaceText))
        {
            if (tensor.ndim != 2 || tensor.shape[0] != ContextLength || tensor.shape[1] != d)
                throw new ArgumentException($"Every embedding must be {ContextLength} x {d} (the K/V input size); got [{string.Join(", ", tensor.shape)}].");
        }

        Parameters = parameters;
        Dimension = d;
        // Intermediates die with this scope; the fields are detached from it (and from any caller's scope) because the
        // problem may outlive both, e.g. kept warm by a worker between jobs.
        using (NewDisposeScope())
        {
            Gram = originalGram.to(ScalarType.Float64).contiguous();
            Concepts = cat(concepts.Select(c => c.ConceptEmbedding.to(ScalarType.Float64)).ToArray(), 0);
            Guides = cat(concepts.Select(c => c.GuideEmbedding.to(ScalarType.Float64)).ToArray(), 0);
            (UceErased, UceTargets) = ReceAlgorithm.AlignTokens(concepts);
            var userRows = preserve.Count == 0 ? zeros(0, d, dtype: ScalarType.Float64) : cat(preserve.Select(p => p.to(ScalarType.Float64)).ToArray(), 0);
            var userGram = ClosedFormEdit.GramOfRows(userRows);
            UcePreserveGram = userGram.add(ClosedFormEdit.GramOfRows(emptyText));
            UceScales = parameters.UceScales(preserve.Count);
            // One " " per erased concept, as the reference code's RECE preserve list.
            EpochPreserveGram = userGram.add(ClosedFormEdit.GramOfRows(spaceText).mul(concepts.Count));
            DriftRows = cat(new[] { emptyText.to(ScalarType.Float64), userRows }, 0);
            foreach (var t in Owned)
                t.DetachFromDisposeScope();
        }
        ConceptEnergy = SharedFactorModel.Energy(Gram, Concepts);
        DriftEnergy = SharedFactorModel.Energy(Gram, DriftRows);
        ConceptCount = concepts.Count;
    }

    public ReceParameters Parameters { get; }

    public long Dimension { get; }

    public int ConceptCount { get; }

    /// <summary>G0, float64.</summary>
    public Tensor Gram { get; }

    /// <summary>Every concept's 77 rows, stacked.</summary>
    public Tensor Concepts { get; }

    /// <summary>Every concept's guide (77 rows each), stacked like <see cref="Concepts"/>.</summary>
    public Tensor Guides { get; }

    internal Tensor UceErased { get; }

    internal Tensor UceTargets { get; }

    internal Tensor UcePreserveGram { get; }

    internal EditScales UceScales { get; }

    internal Tensor EpochPreserveGram { get; }

    /// <summary>"" and the user's preserve texts: the rows the preservation drift is measured on.</summary>
    internal Tensor DriftRows { get; }

    internal double ConceptEnergy { get; }

    internal double DriftEnergy { get; }

    /// <summary>Index of the last stage: 0 is the original model, 1 the UCE pass, 2.. the RECE epochs.</summary>
    public int LastStage => 1 + Parameters.EffectiveEpochs;

    /// <summary>"original", "uce", "rece-epoch-1", ...</summary>
    public static string StageName(int stage) => stage switch
    {
        0 => "original",
        1 => "uce",
        > 1 => $"rece-epoch-{stage - 1}",
        _ => throw new ArgumentOutOfRangeException(nameof(stage)),
    };

    private Tensor[] Owned => new[] { Gram, Concepts, Guides, UceErased, UceTargets, UcePreserveGram, EpochPreserveGram, DriftRows };

    public void Dispose()
    {
        foreach (var t in Owned)
            t.Dispose();
    }
}

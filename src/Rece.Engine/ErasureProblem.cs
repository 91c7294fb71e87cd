using static TorchSharp.torch;

namespace Rece.Engine;

/// <summary>
/// The fixed inputs of one erasure, prepared once in float64: G0, the concepts and their guides, the preserve Gram
/// matrices of the UCE pass and of the RECE epochs, what the drift is measured on, and the parameters. Everything a
/// stage needs besides the current model state, so a stage can run in another process from a checkpoint. Where the
/// erased vectors outnumber d/2 (many concepts), their Gram matrices are prepared too and every stage runs in d x d
/// products (<see cref="FactorForm"/>).
/// </summary>
public sealed class ErasureProblem : IDisposable
{
    public const int ContextLength = 77;

    /// <param name="originalGram">G0 of the original K/V matrices.</param>
    /// <param name="concepts">Concepts to erase jointly.</param>
    /// <param name="emptyText">Embedding of "" (UCE's default preserve text and part of the drift set).</param>
    /// <param name="spaceText">Embedding of " " (RECE's per-concept preserve text).</param>
    /// <param name="preserve">Embeddings of the user's preserve texts.</param>
    public ErasureProblem(
        Tensor originalGram,
        IReadOnlyList<ConceptToErase> concepts,
        Tensor emptyText,
        Tensor spaceText,
        IReadOnlyList<Tensor> preserve,
        ReceParameters parameters,
        FactorForm form = FactorForm.Auto
    )
        : this(
            originalGram,
            concepts,
            emptyText,
            spaceText,
            Preserve(preserve, originalGram),
            parameters,
            form,
            owned: true
        ) { }

    /// <param name="preserve">The user's preserve texts as their Gram matrix
    /// (<see cref="PreserveSet.FromEmbeddings"/>).</param>
    public ErasureProblem(
        Tensor originalGram,
        IReadOnlyList<ConceptToErase> concepts,
        Tensor emptyText,
        Tensor spaceText,
        PreserveSet preserve,
        ReceParameters parameters,
        FactorForm form = FactorForm.Auto
    )
        : this(originalGram, concepts, emptyText, spaceText, preserve, parameters, form, owned: false) { }

    private ErasureProblem(
        Tensor originalGram,
        IReadOnlyList<ConceptToErase> concepts,
        Tensor emptyText,
        Tensor spaceText,
        PreserveSet preserve,
        ReceParameters parameters,
        FactorForm form,
        bool owned
    )
    {
        try
        {
            if (concepts.Count == 0)
                throw new ArgumentException("At least one concept to erase is required.", nameof(concepts));
            parameters.Validate(preserve.Count);
            if (originalGram.ndim != 2 || originalGram.shape[0] != originalGram.shape[1])
                throw new ArgumentException(
                    "The Gram matrix of the original weights must be square (d x d).",
                    nameof(originalGram)
                );
            long d = originalGram.shape[0];
            foreach (
                var tensor in concepts
                    .SelectMany(c => new[] { c.ConceptEmbedding, c.GuideEmbedding })
                    .Append(emptyText)
                    .Append(spaceText)
            )
            {
                if (tensor.ndim != 2 || tensor.shape[0] != ContextLength || tensor.shape[1] != d)
                    throw new ArgumentException(
                        $"Every embedding must be {ContextLength} x {d} (the K/V input size); got [{string.Join(", ", tensor.shape)}]."
                    );
            }
            if (preserve.Gram.shape[0] != d)
                throw new ArgumentException(
                    $"The preserve Gram matrix must be {d} x {d}; got [{string.Join(", ", preserve.Gram.shape)}]."
                );

            Parameters = parameters;
            Dimension = d;
            Form = form;
            // Intermediates die with this scope; the fields are detached from it (and from any caller's scope) because
            // the problem may outlive both, e.g. kept warm by a worker between jobs.
            using (NewDisposeScope())
            {
                Gram = originalGram.to(ScalarType.Float64).contiguous();
                Concepts = cat(concepts.Select(c => c.ConceptEmbedding.to(ScalarType.Float64)).ToArray(), 0);
                Guides = cat(concepts.Select(c => c.GuideEmbedding.to(ScalarType.Float64)).ToArray(), 0);
                (UceErased, UceTargets) = ReceAlgorithm.AlignTokens(concepts);
                var empty = emptyText.to(ScalarType.Float64);
                var emptyGram = ClosedFormEdit.GramOfRows(empty);
                UcePreserveGram = preserve.Gram.add(emptyGram);
                UceScales = parameters.UceScales(preserve.Count);
                // One " " per erased concept, as the reference code's RECE preserve list.
                EpochPreserveGram = preserve.Gram.add(ClosedFormEdit.GramOfRows(spaceText).mul(concepts.Count));
                DriftRows =
                    preserve.Rows is { } rows && rows.shape[0] + ContextLength < d
                        ? cat(new[] { empty, rows }, 0)
                        : null;
                ConceptGram = ClosedFormEdit.GramOfRows(Concepts);
                if (UsesDenseForm(UceErased.shape[0]) || UsesDenseForm(Concepts.shape[0]))
                {
                    var (uceGram, uceCross, cross) = PairedGrams(concepts, ConceptGram);
                    if (UsesDenseForm(UceErased.shape[0]))
                        (UceErasedGram, UceCross) = (uceGram, uceCross);
                    if (UsesDenseForm(Concepts.shape[0]))
                    {
                        GuideConceptCross = cross;
                        if (parameters.Derivation == Derivation.StandardReg)
                            GuideGram = ClosedFormEdit.GramOfRows(Guides);
                    }
                }
                // "" and " " have the same tokens, so the UCE pass ("" + texts) and the epochs (" " + texts) share it.
                if (parameters.PreserveMode == PreserveMode.NullSpace)
                    NullBasis = ClosedFormEdit.NullSpaceBasis(
                        UcePreserveGram,
                        ContextLength * (1L + preserve.Count),
                        parameters.NullSpaceThreshold
                    );
                foreach (var t in Owned)
                    t.DetachFromDisposeScope();
            }
            ConceptEnergy = SharedFactorModel.Trace(Gram, ConceptGram);
            DriftEnergy = SharedFactorModel.Trace(Gram, DriftGram);
            ConceptCount = concepts.Count;
        }
        finally
        {
            if (owned)
                preserve.Dispose();
        }
    }

    public ReceParameters Parameters { get; }

    public long Dimension { get; }

    public int ConceptCount { get; }

    /// <summary>How the edits are formed (<see cref="FactorForm.Auto"/>: by rank).</summary>
    public FactorForm Form { get; }

    /// <summary>G0, float64.</summary>
    public Tensor Gram { get; }

    /// <summary>Every concept's 77 rows, stacked.</summary>
    public Tensor Concepts { get; }

    /// <summary>Every concept's guide (77 rows each), stacked like <see cref="Concepts"/>.</summary>
    public Tensor Guides { get; }

    internal Tensor UceErased { get; }

    internal Tensor UceTargets { get; }

    /// <summary>sum c c^T over UCE's erased rows (dense form only).</summary>
    internal Tensor? UceErasedGram { get; }

    /// <summary>sum g c^T over UCE's pairs (dense form only).</summary>
    internal Tensor? UceCross { get; }

    /// <summary>sum c c^T over every concept row.</summary>
    internal Tensor ConceptGram { get; }

    /// <summary>sum g c^T over the concept rows and their guides' rows (dense form only).</summary>
    internal Tensor? GuideConceptCross { get; }

    /// <summary>sum g g^T over the guide rows (dense form with <see cref="Derivation.StandardReg"/> only).</summary>
    internal Tensor? GuideGram { get; }

    /// <summary>The directions a <see cref="PreserveMode.NullSpace"/> edit may act on (d x k), else null.</summary>
    internal Tensor? NullBasis { get; }

    internal Tensor UcePreserveGram { get; }

    internal EditScales UceScales { get; }

    internal Tensor EpochPreserveGram { get; }

    /// <summary>
    /// sum r r^T over "" and the user's preserve texts, the rows the preservation drift is measured on: UCE's
    /// preserve set.
    /// </summary>
    internal Tensor DriftGram => UcePreserveGram;

    /// <summary>Those rows themselves while they are fewer than d (cheaper to measure on), else null.</summary>
    internal Tensor? DriftRows { get; }

    internal double ConceptEnergy { get; }

    internal double DriftEnergy { get; }

    /// <summary>Index of the last stage: 0 is the original model, 1 the UCE pass, 2.. the RECE epochs.</summary>
    public int LastStage => 1 + Parameters.EffectiveEpochs;

    /// <summary>"original", "uce", "rece-epoch-1", ...</summary>
    public static string StageName(int stage) =>
        stage switch
        {
            0 => "original",
            1 => "uce",
            > 1 => $"rece-epoch-{stage - 1}",
            _ => throw new ArgumentOutOfRangeException(nameof(stage)),
        };

    /// <summary>
    /// Whether an edit of <paramref name="rank"/> erased vectors is formed densely: the low-rank update costs about
    /// 5 d^2 n + 2 d n^2 flops, the dense one about 4 d^3, so the dense form wins from n of about d/2.
    /// </summary>
    internal bool UsesDenseForm(long rank) =>
        Form switch
        {
            FactorForm.Dense => true,
            FactorForm.LowRank => false,
            _ => 2 * rank >= Dimension,
        };

    /// <summary>
    /// UCE's erased Gram matrix and target cross, and the epochs' guide-concept cross, without products over all rows:
    /// UCE's rows are every concept's rows but a few (BOS, the words, the tail past the alignment), so their Gram
    /// matrix is <paramref name="conceptGram"/> less those; concepts sharing a guide (all of a preset's) share its
    /// rows, so sum_t g_t c_t^T is G^T S with S the concept rows summed per guide row.
    /// </summary>
    private static (Tensor UceGram, Tensor UceCross, Tensor Cross) PairedGrams(
        IReadOnlyList<ConceptToErase> concepts,
        Tensor conceptGram
    )
    {
        long d = conceptGram.shape[0];
        var excluded = zeros(d, d, dtype: ScalarType.Float64);
        var uceCross = zeros(d, d, dtype: ScalarType.Float64);
        var cross = zeros(d, d, dtype: ScalarType.Float64);
        // The same guide text has the same embedding: group on it.
        foreach (var group in concepts.GroupBy(c => c.Guide, StringComparer.Ordinal))
        {
            var guide = group.First().GuideEmbedding.to(ScalarType.Float64);
            var conceptSum = zeros(ContextLength, d, dtype: ScalarType.Float64);
            var alignedSum = zeros(ContextLength, d, dtype: ScalarType.Float64);
            foreach (var concept in group)
            {
                var rows = concept.ConceptEmbedding.to(ScalarType.Float64);
                conceptSum.add_(rows);
                int kc = concept.ConceptWords,
                    kg = concept.GuideWords;
                int count = ContextLength - Math.Max(kc, kg);
                alignedSum.narrow(0, kg, count).add_(rows.narrow(0, kc, count));
                if (kc > 0)
                    excluded.addmm_(rows.narrow(0, 0, kc).t(), rows.narrow(0, 0, kc));
                if (kc + count < ContextLength)
                {
                    var tail = rows.narrow(0, kc + count, ContextLength - kc - count);
                    excluded.addmm_(tail.t(), tail);
                }
            }
            cross.addmm_(guide.t(), conceptSum);
            uceCross.addmm_(guide.t(), alignedSum);
        }
        return (conceptGram.sub(excluded), uceCross, cross);
    }

    private static PreserveSet Preserve(IReadOnlyList<Tensor> preserve, Tensor originalGram)
    {
        ArgumentNullException.ThrowIfNull(preserve);
        ArgumentNullException.ThrowIfNull(originalGram);
        return PreserveSet.FromEmbeddings(preserve, originalGram.shape[^1]);
    }

    private Tensor[] Owned =>
        new[]
        {
            Gram,
            Concepts,
            Guides,
            UceErased,
            UceTargets,
            UceErasedGram,
            UceCross,
            ConceptGram,
            GuideConceptCross,
            GuideGram,
            NullBasis,
            UcePreserveGram,
            EpochPreserveGram,
            DriftRows,
        }
            .OfType<Tensor>()
            .ToArray();

    public void Dispose()
    {
        foreach (var t in Owned)
            t.Dispose();
    }
}

using static TorchSharp.torch;

namespace Rece.Engine;

/// <summary>UCE followed by RECE epochs in one call (docs/algorithm.md).</summary>
public static class ReceAlgorithm
{
    public const int ContextLength = ErasureProblem.ContextLength;

    /// <param name="originalGram">G0 of the original K/V matrices.</param>
    /// <param name="concepts">Concepts to erase jointly.</param>
    /// <param name="emptyText">Embedding of "" (UCE's default preserve text).</param>
    /// <param name="spaceText">Embedding of " " (RECE's per-concept preserve text).</param>
    /// <param name="preserve">Embeddings of the user's preserve texts.</param>
    /// <param name="progress">Receives a line per finished stage.</param>
    public static ErasureResult Run(
        Tensor originalGram,
        IReadOnlyList<ConceptToErase> concepts,
        Tensor emptyText,
        Tensor spaceText,
        IReadOnlyList<Tensor> preserve,
        ReceParameters parameters,
        Action<StageMeasures>? progress = null,
        bool keepFinalDerived = false
    )
    {
        using var problem = new ErasureProblem(originalGram, concepts, emptyText, spaceText, preserve, parameters);
        return Run(problem, progress, keepFinalDerived);
    }

    public static ErasureResult Run(
        ErasureProblem problem,
        Action<StageMeasures>? progress = null,
        bool keepFinalDerived = false
    )
    {
        using var session = ReceSession.Start(problem);
        var stages = new List<StageMeasures>();
        while (!session.IsFinished)
        {
            var measures = session.Step();
            stages.Add(measures);
            progress?.Invoke(measures);
        }
        return new ErasureResult(session.Factor.clone(), stages, keepFinalDerived ? session.DerivedEmbeddings() : null);
    }

    /// <summary>
    /// UCE's token alignment: with k_c = n(concept), k_g = n(guide) and f = max(k_c, k_g), concept position k_c + t is
    /// paired with guide position k_g + t for t = 0 .. 76 - f. All concepts' pairs are stacked for one joint edit.
    /// </summary>
    public static (Tensor Erased, Tensor Targets) AlignTokens(IReadOnlyList<ConceptToErase> concepts)
    {
        using var scope = NewDisposeScope();
        var erased = new List<Tensor>();
        var targets = new List<Tensor>();
        foreach (var concept in concepts)
        {
            int kc = concept.ConceptWords,
                kg = concept.GuideWords;
            if (kc < 0 || kg < 0 || kc > ContextLength - 2 || kg > ContextLength - 2)
                throw new ArgumentOutOfRangeException(
                    nameof(concepts),
                    $"Word counts must be within 0..{ContextLength - 2} (got {kc} and {kg})."
                );
            int count = ContextLength - Math.Max(kc, kg);
            erased.Add(concept.ConceptEmbedding.narrow(0, kc, count).to(ScalarType.Float64));
            targets.Add(concept.GuideEmbedding.narrow(0, kg, count).to(ScalarType.Float64));
        }
        return (cat(erased, 0).MoveToOuterDisposeScope(), cat(targets, 0).MoveToOuterDisposeScope());
    }
}

using System.Diagnostics;
using static TorchSharp.torch;

namespace Rece.Engine;

public enum ErasureMethod
{
    /// <summary>The closed-form UCE edit only.</summary>
    Uce,

    /// <summary>UCE, then RECE epochs that erase the derived embeddings.</summary>
    Rece,
}

/// <summary>A concept to erase and the guide it is mapped to, as text-encoder outputs (77 x d each).</summary>
/// <param name="ConceptWords">n(concept): word tokens without BOS/EOS.</param>
/// <param name="GuideWords">n(guide).</param>
public sealed record ConceptToErase(string Concept, Tensor ConceptEmbedding, int ConceptWords, string Guide, Tensor GuideEmbedding, int GuideWords);

/// <summary>Every setting of the algorithm (defaults: the reference code, see erasure.md).</summary>
public sealed record ReceParameters
{
    public ErasureMethod Method { get; init; } = ErasureMethod.Rece;

    /// <summary>lambda of the UCE pass.</summary>
    public double UceLambda { get; init; } = 0.5;

    /// <summary>s_e of the UCE pass.</summary>
    public double UceEraseScale { get; init; } = 1.0;

    /// <summary>s_p of the UCE pass; null means max(0.1, 1/|R|) with R = [""] + the user's preserve texts.</summary>
    public double? UcePreserveScale { get; init; }

    /// <summary>lambda of each RECE epoch's edit.</summary>
    public double Lambda { get; init; } = 0.1;

    /// <summary>s_e of each RECE epoch's edit.</summary>
    public double EraseScale { get; init; } = 1.0;

    /// <summary>s_p of each RECE epoch's edit.</summary>
    public double PreserveScale { get; init; } = 0.1;

    /// <summary>lambda_R of Eq. 7, the regularizer of the derived embedding.</summary>
    public double Regularizer { get; init; } = 0.1;

    public int Epochs { get; init; } = 3;

    public int EffectiveEpochs => Method == ErasureMethod.Uce ? 0 : Epochs;

    public EditScales UceScales(int preserveTexts) =>
        new(UceLambda, UceEraseScale, UcePreserveScale ?? Math.Max(0.1, 1.0 / (1 + preserveTexts)));

    public EditScales EpochScales => new(Lambda, EraseScale, PreserveScale);

    public void Validate(int preserveTexts)
    {
        UceScales(preserveTexts).Validate("UCE pass");
        if (Method == ErasureMethod.Rece)
            EpochScales.Validate("RECE epochs");
        if (!(Regularizer > 0) || double.IsInfinity(Regularizer))
            throw new ArgumentOutOfRangeException(nameof(Regularizer), $"The RECE regularizer (--reg) must be a positive number (got {Regularizer}).");
        if (Epochs < 0)
            throw new ArgumentOutOfRangeException(nameof(Epochs), $"The number of epochs must be zero or more (got {Epochs}).");
    }
}

/// <summary>Embedding-space measures of the model at the end of a stage (erasure.md, "cheap, no images").</summary>
/// <param name="Stage">"original", "uce", or "rece-epoch-k".</param>
/// <param name="RecoveredConceptResidual">Share of the concepts' original K/V signal that the best regularized adversarial embedding cannot reproduce in this model (higher: more thorough erasure).</param>
/// <param name="PreservationDrift">Relative change of the K/V outputs of the preserved texts ("" and the user's texts).</param>
/// <param name="RelativeWeightChange">||W - W0||_F / ||W0||_F over all edited matrices.</param>
/// <param name="Seconds">Time spent on the stage (edit and measures).</param>
public sealed record StageMeasures(string Stage, double RecoveredConceptResidual, double PreservationDrift, double RelativeWeightChange, double Seconds);

public sealed class ErasureResult : IDisposable
{
    internal ErasureResult(Tensor sharedFactor, IReadOnlyList<StageMeasures> stages, Tensor? finalDerived)
    {
        SharedFactor = sharedFactor;
        Stages = stages;
        FinalDerivedEmbeddings = finalDerived;
    }

    /// <summary>P (d x d, float64): every edited matrix is W0_l P.</summary>
    public Tensor SharedFactor { get; }

    /// <summary>One entry for the original model, one after UCE, one per RECE epoch.</summary>
    public IReadOnlyList<StageMeasures> Stages { get; }

    /// <summary>The adversarial embeddings derived against the final model (concepts stacked, 77 rows each), or null when not asked for.</summary>
    public Tensor? FinalDerivedEmbeddings { get; }

    public void Dispose()
    {
        SharedFactor.Dispose();
        FinalDerivedEmbeddings?.Dispose();
    }
}

/// <summary>
/// UCE followed by RECE epochs (erasure.md), entirely in d x d space through <see cref="SharedFactorModel"/>.
/// </summary>
public static class ReceAlgorithm
{
    public const int ContextLength = 77;

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
        bool keepFinalDerived = false)
    {
        if (concepts.Count == 0)
            throw new ArgumentException("At least one concept to erase is required.", nameof(concepts));
        parameters.Validate(preserve.Count);
        using var model = new SharedFactorModel(originalGram);
        long d = model.Dimension;
        foreach (var tensor in concepts.SelectMany(c => new[] { c.ConceptEmbedding, c.GuideEmbedding }).Concat(preserve).Append(emptyText).Append(spaceText))
        {
            if (tensor.ndim != 2 || tensor.shape[0] != ContextLength || tensor.shape[1] != d)
                throw new ArgumentException($"Every embedding must be {ContextLength} x {d} (the K/V input size); got [{string.Join(", ", tensor.shape)}].");
        }

        using var scope = NewDisposeScope();
        var stages = new List<StageMeasures>();
        var clock = Stopwatch.StartNew();
        var allConcepts = cat(concepts.Select(c => c.ConceptEmbedding.to(ScalarType.Float64)).ToArray(), 0);
        var allGuides = cat(concepts.Select(c => c.GuideEmbedding.to(ScalarType.Float64)).ToArray(), 0);
        var userRows = preserve.Count == 0 ? zeros(0, d, dtype: ScalarType.Float64) : cat(preserve.Select(p => p.to(ScalarType.Float64)).ToArray(), 0);
        var userGram = ClosedFormEdit.GramOfRows(userRows);
        var driftRows = cat(new[] { emptyText.to(ScalarType.Float64), userRows }, 0);
        double conceptEnergy = model.OriginalEnergy(allConcepts);
        double driftEnergy = model.OriginalEnergy(driftRows);

        Tensor Measure(string stage)
        {
            var derived = model.DeriveAdversarial(allConcepts, parameters.Regularizer);
            var measures = new StageMeasures(
                stage,
                model.RecoveredConceptResidual(allConcepts, derived, conceptEnergy),
                model.PreservationDrift(driftRows, driftEnergy),
                model.RelativeWeightChange(),
                clock.Elapsed.TotalSeconds);
            stages.Add(measures);
            progress?.Invoke(measures);
            clock.Restart();
            return derived;
        }

        var derived = Measure("original");

        // UCE pass: token-aligned pairs, preserve list R = [""] + user texts.
        var (erased, targets) = AlignTokens(concepts);
        var uceGram = userGram.add(ClosedFormEdit.GramOfRows(emptyText));
        using (var uce = ClosedFormEdit.Solve(erased, targets, uceGram, parameters.UceScales(preserve.Count)))
            model.Apply(uce);
        derived = Measure("uce");

        // RECE epochs: erase the derived embeddings, index-aligned with the guide; one " " per concept is preserved.
        var epochGram = userGram.add(ClosedFormEdit.GramOfRows(spaceText).mul(concepts.Count));
        for (int epoch = 1; epoch <= parameters.EffectiveEpochs; epoch++)
        {
            using (var edit = ClosedFormEdit.Solve(derived, allGuides, epochGram, parameters.EpochScales))
                model.Apply(edit);
            derived = Measure($"rece-epoch-{epoch}");
        }

        var factor = model.Factor.clone().MoveToOuterDisposeScope();
        var finalDerived = keepFinalDerived ? derived.MoveToOuterDisposeScope() : null;
        return new ErasureResult(factor, stages, finalDerived);
    }

    /// <summary>
    /// UCE's token alignment: with k_c = n(concept), k_g = n(guide) and f = max(k_c, k_g), concept position k_c + t is paired
    /// with guide position k_g + t for t = 0 .. 76 - f. All concepts' pairs are stacked for one joint edit.
    /// </summary>
    public static (Tensor Erased, Tensor Targets) AlignTokens(IReadOnlyList<ConceptToErase> concepts)
    {
        using var scope = NewDisposeScope();
        var erased = new List<Tensor>();
        var targets = new List<Tensor>();
        foreach (var concept in concepts)
        {
            int kc = concept.ConceptWords, kg = concept.GuideWords;
            if (kc < 0 || kg < 0 || kc > ContextLength - 2 || kg > ContextLength - 2)
                throw new ArgumentOutOfRangeException(nameof(concepts), $"Word counts must be within 0..{ContextLength - 2} (got {kc} and {kg}).");
            int count = ContextLength - Math.Max(kc, kg);
            erased.Add(concept.ConceptEmbedding.narrow(0, kc, count).to(ScalarType.Float64));
            targets.Add(concept.GuideEmbedding.narrow(0, kg, count).to(ScalarType.Float64));
        }
        return (cat(erased, 0).MoveToOuterDisposeScope(), cat(targets, 0).MoveToOuterDisposeScope());
    }
}

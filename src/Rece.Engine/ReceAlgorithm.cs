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

/// <summary>Every setting of the algorithm (defaults: the reference code, see docs/algorithm.md).</summary>
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

/// <summary>Embedding-space measures of the model at the end of a stage (docs/algorithm.md, "cheap, no images").</summary>
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
/// UCE followed by RECE epochs (docs/algorithm.md) run one stage at a time, entirely in d x d space through
/// <see cref="SharedFactorModel"/>. Stage 0 measures the original model, stage 1 is the UCE pass, stage 1 + k is RECE
/// epoch k. A session can be saved after any stage (<see cref="State"/>) and resumed elsewhere with the same bits.
/// </summary>
public sealed class ReceSession : IDisposable
{
    private readonly ErasureProblem _problem;
    private readonly SharedFactorModel _model;
    private Tensor? _derived;

    private ReceSession(ErasureProblem problem, SharedFactorModel model, int completedStage)
    {
        _problem = problem;
        _model = model;
        CompletedStage = completedStage;
    }

    /// <summary>The last stage whose edit is in the model (-1 before the original model was measured).</summary>
    public int CompletedStage { get; private set; }

    public bool IsFinished => CompletedStage >= _problem.LastStage;

    /// <summary>P (float64): every edited matrix is W0_l P.</summary>
    public Tensor Factor => _model.Factor;

    /// <summary>A copy of the model state after <see cref="CompletedStage"/>.</summary>
    public SharedFactorState State => _model.State;

    /// <summary>A session on the original model; its first <see cref="Step"/> measures it (stage 0).</summary>
    public static ReceSession Start(ErasureProblem problem)
    {
        if (!isfinite(problem.Gram).all().item<bool>())
            throw new IllPosedErasureException("The model's cross-attention K/V weights are not finite (NaN or infinite values, or too large to square in float64); the model folder is damaged.");
        return new(problem, new SharedFactorModel(problem.Gram), -1);
    }

    /// <summary>Continues after <paramref name="completedStage"/> from the state saved then.</summary>
    public static ReceSession Resume(ErasureProblem problem, int completedStage, SharedFactorState state)
    {
        if (completedStage < 0 || completedStage > problem.LastStage)
            throw new ArgumentOutOfRangeException(nameof(completedStage), $"A saved stage must be within 0..{problem.LastStage}, got {completedStage}.");
        return new ReceSession(problem, SharedFactorModel.Restore(problem.Gram, state), completedStage);
    }

    /// <summary>Runs the next stage and measures the model after it.</summary>
    public StageMeasures Step()
    {
        if (IsFinished)
            throw new InvalidOperationException($"All {_problem.LastStage + 1} stages have run.");
        var clock = Stopwatch.StartNew();
        int stage = CompletedStage + 1;
        var parameters = _problem.Parameters;
        if (stage == 1)
        {
            // UCE pass: token-aligned pairs, preserve list R = [""] + user texts.
            using var uce = ClosedFormEdit.Solve(_problem.UceErased, _problem.UceTargets, _problem.UcePreserveGram, _problem.UceScales);
            _model.Apply(uce);
        }
        else if (stage > 1)
        {
            // RECE epoch: erase the embeddings derived against the current model, index-aligned with the guides.
            using var edit = ClosedFormEdit.Solve(Derived(), _problem.Guides, _problem.EpochPreserveGram, parameters.EpochScales);
            _model.Apply(edit);
        }
        ReplaceDerived(null);
        // A NaN or an overflow would otherwise flow silently into the patch.
        if (!isfinite(_model.Factor).all().item<bool>())
            throw new IllPosedErasureException(
                $"The {ErasureProblem.StageName(stage)} edit made non-finite weights: the settings overflow float64 (scales too large, or lambda / the regularizer too small), or the model's weights are not finite. Use settings nearer the presets'.");
        CompletedStage = stage;
        var derived = Derived();
        return new StageMeasures(
            ErasureProblem.StageName(stage),
            _model.RecoveredConceptResidual(_problem.Concepts, derived, _problem.ConceptEnergy),
            _model.PreservationDrift(_problem.DriftRows, _problem.DriftEnergy),
            _model.RelativeWeightChange(),
            clock.Elapsed.TotalSeconds);
    }

    /// <summary>The adversarial embeddings derived against the current model (concepts stacked, 77 rows each), float64.</summary>
    public Tensor DerivedEmbeddings() => Derived().clone();

    // Derived once per model state: the measures of a stage and the next epoch's edit share it. A resumed session
    // computes it again from the same state, with the same bits.
    private Tensor Derived()
    {
        if (_derived is null)
        {
            _derived = _model.DeriveAdversarial(_problem.Concepts, _problem.Parameters.Regularizer);
            _derived.DetachFromDisposeScope();
        }
        return _derived;
    }

    private void ReplaceDerived(Tensor? value)
    {
        _derived?.Dispose();
        _derived = value;
    }

    public void Dispose()
    {
        ReplaceDerived(null);
        _model.Dispose();
    }
}

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
        bool keepFinalDerived = false)
    {
        using var problem = new ErasureProblem(originalGram, concepts, emptyText, spaceText, preserve, parameters);
        return Run(problem, progress, keepFinalDerived);
    }

    public static ErasureResult Run(ErasureProblem problem, Action<StageMeasures>? progress = null, bool keepFinalDerived = false)
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

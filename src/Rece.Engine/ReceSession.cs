using System.Diagnostics;
using static TorchSharp.torch;

namespace Rece.Engine;

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
    private (Tensor Map, Tensor? GuideMap)? _derivationMaps;

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
            throw new IllPosedErasureException(
                "The model's cross-attention K/V weights are not finite (NaN or infinite values, or too large to square in float64); the model folder is damaged."
            );
        return new(problem, new SharedFactorModel(problem.Gram), -1);
    }

    /// <summary>Continues after <paramref name="completedStage"/> from the state saved then.</summary>
    public static ReceSession Resume(ErasureProblem problem, int completedStage, SharedFactorState state)
    {
        if (completedStage < 0 || completedStage > problem.LastStage)
            throw new ArgumentOutOfRangeException(
                nameof(completedStage),
                $"A saved stage must be within 0..{problem.LastStage}, got {completedStage}."
            );
        return new ReceSession(problem, SharedFactorModel.Restore(problem.Gram, state), completedStage);
    }

    /// <summary>Runs the next stage and measures the model after it.</summary>
    public StageMeasures Step()
    {
        if (IsFinished)
            throw new InvalidOperationException($"All {_problem.LastStage + 1} stages have run.");
        var clock = Stopwatch.StartNew();
        int stage = CompletedStage + 1;
        if (stage == 1)
            ApplyUce();
        else if (stage > 1)
            ApplyEpoch();
        ReplaceDerived(null);
        // A NaN or an overflow would otherwise flow silently into the patch.
        if (!isfinite(_model.Factor).all().item<bool>())
            throw new IllPosedErasureException(
                $"The {ErasureProblem.StageName(stage)} edit made non-finite weights: the settings overflow float64 (scales too large, or lambda / the regularizer too small), or the model's weights are not finite. Use settings nearer the presets'."
            );
        CompletedStage = stage;
        double residual;
        if (DenseConcepts)
        {
            var (map, guideMap) = DerivationMaps();
            residual = _model.RecoveredConceptResidualFromGram(
                _problem.ConceptGram,
                map,
                guideMap,
                _problem.GuideConceptCross,
                _problem.GuideGram,
                _problem.ConceptEnergy
            );
        }
        else
        {
            residual = _model.RecoveredConceptResidual(_problem.Concepts, Derived(), _problem.ConceptEnergy);
        }
        double drift = _problem.DriftRows is { } rows
            ? _model.PreservationDrift(rows, _problem.DriftEnergy)
            : _model.PreservationDriftFromGram(_problem.DriftGram, _problem.DriftEnergy);
        return new StageMeasures(
            ErasureProblem.StageName(stage),
            residual,
            drift,
            _model.RelativeWeightChange(),
            clock.Elapsed.TotalSeconds
        );
    }

    /// <summary>UCE pass: token-aligned pairs, preserve list R = [""] + user texts.</summary>
    private void ApplyUce()
    {
        var p = _problem;
        if (p.UsesDenseForm(p.UceErased.shape[0]))
        {
            using var factor = ClosedFormEdit.SolveDense(
                p.UceErasedGram!,
                p.UceCross!,
                p.UcePreserveGram,
                p.UceScales,
                p.NullBasis
            );
            _model.Apply(factor);
        }
        else
        {
            using var edit = ClosedFormEdit.Solve(
                p.UceErased,
                p.UceTargets,
                p.UcePreserveGram,
                p.UceScales,
                p.NullBasis
            );
            _model.Apply(edit);
        }
    }

    /// <summary>RECE epoch: erase the embeddings derived against the current model, index-aligned with the
    /// guides.</summary>
    private void ApplyEpoch()
    {
        var p = _problem;
        var scales = p.Parameters.EpochScales;
        if (!DenseConcepts)
        {
            using var edit = ClosedFormEdit.Solve(Derived(), p.Guides, p.EpochPreserveGram, scales, p.NullBasis);
            _model.Apply(edit);
            return;
        }
        // The derived rows are C M^T (+ G N^T), so their Gram matrix and their cross with the guides follow from the
        // concepts' and guides' Gram matrices: the epoch never forms the rows.
        using var scope = NewDisposeScope();
        var (map, guideMap) = DerivationMaps();
        var erasedGram = map.mm(p.ConceptGram).mm(map.t());
        var cross = p.GuideConceptCross!.mm(map.t());
        if (guideMap is not null)
        {
            var mixed = map.mm(p.GuideConceptCross!.t()).mm(guideMap.t());
            erasedGram.add_(mixed).add_(mixed.t()).add_(guideMap.mm(p.GuideGram!).mm(guideMap.t()));
            cross.add_(p.GuideGram!.mm(guideMap.t()));
        }
        erasedGram = erasedGram.add(erasedGram.t()).mul_(0.5);
        using var factor = ClosedFormEdit.SolveDense(erasedGram, cross, p.EpochPreserveGram, scales, p.NullBasis);
        _model.Apply(factor);
    }

    /// <summary>Whether the concept rows are many enough that the epochs work on their Gram matrix.</summary>
    private bool DenseConcepts => _problem.UsesDenseForm(_problem.Concepts.shape[0]);

    /// <summary>The adversarial embeddings derived against the current model (concepts stacked, 77 rows each),
    /// float64.</summary>
    public Tensor DerivedEmbeddings()
    {
        if (!DenseConcepts)
            return Derived().clone();
        using var scope = NewDisposeScope();
        var (map, guideMap) = DerivationMaps();
        var derived = _problem.Concepts.mm(map.t());
        if (guideMap is not null)
            derived.add_(_problem.Guides.mm(guideMap.t()));
        return derived.MoveToOuterDisposeScope();
    }

    // Derived once per model state: the measures of a stage and the next epoch's edit share it. A resumed session
    // computes it again from the same state, with the same bits.
    private Tensor Derived()
    {
        if (_derived is null)
        {
            var parameters = _problem.Parameters;
            _derived = _model.DeriveAdversarial(
                _problem.Concepts,
                parameters.Regularizer,
                parameters.Derivation,
                _problem.Guides
            );
            _derived.DetachFromDisposeScope();
        }
        return _derived;
    }

    // Like Derived: once per model state, shared by the measures and the next epoch.
    private (Tensor Map, Tensor? GuideMap) DerivationMaps()
    {
        if (_derivationMaps is null)
        {
            var (map, guideMap) = _model.DerivationMaps(
                _problem.Parameters.Regularizer,
                _problem.Parameters.Derivation
            );
            map.DetachFromDisposeScope();
            guideMap?.DetachFromDisposeScope();
            _derivationMaps = (map, guideMap);
        }
        return _derivationMaps.Value;
    }

    private void ReplaceDerived(Tensor? value)
    {
        _derived?.Dispose();
        _derived = value;
        _derivationMaps?.Map.Dispose();
        _derivationMaps?.GuideMap?.Dispose();
        _derivationMaps = null;
    }

    public void Dispose()
    {
        ReplaceDerived(null);
        _model.Dispose();
    }
}

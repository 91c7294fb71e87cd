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
    private Tensor? _derivationMap;

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
            if (_problem.UsesDenseForm(_problem.UceErased.shape[0]))
            {
                using var factor = ClosedFormEdit.SolveDense(_problem.UceErasedGram!, _problem.UceCross!, _problem.UcePreserveGram, _problem.UceScales);
                _model.Apply(factor);
            }
            else
            {
                using var uce = ClosedFormEdit.Solve(_problem.UceErased, _problem.UceTargets, _problem.UcePreserveGram, _problem.UceScales);
                _model.Apply(uce);
            }
        }
        else if (stage > 1)
        {
            // RECE epoch: erase the embeddings derived against the current model, index-aligned with the guides.
            if (DenseConcepts)
            {
                // The derived rows are C M^T, so their Gram matrix is M (C^T C) M^T and their cross with the guides
                // (G^T C) M^T: the epoch never forms the rows.
                using var scope = NewDisposeScope();
                var map = DerivationMap();
                var erasedGram = map.mm(_problem.ConceptGram).mm(map.t());
                erasedGram = erasedGram.add(erasedGram.t()).mul_(0.5);
                var cross = _problem.GuideConceptCross!.mm(map.t());
                using var factor = ClosedFormEdit.SolveDense(erasedGram, cross, _problem.EpochPreserveGram, parameters.EpochScales);
                _model.Apply(factor);
            }
            else
            {
                using var edit = ClosedFormEdit.Solve(Derived(), _problem.Guides, _problem.EpochPreserveGram, parameters.EpochScales);
                _model.Apply(edit);
            }
        }
        ReplaceDerived(null);
        // A NaN or an overflow would otherwise flow silently into the patch.
        if (!isfinite(_model.Factor).all().item<bool>())
            throw new IllPosedErasureException(
                $"The {ErasureProblem.StageName(stage)} edit made non-finite weights: the settings overflow float64 (scales too large, or lambda / the regularizer too small), or the model's weights are not finite. Use settings nearer the presets'.");
        CompletedStage = stage;
        double residual = DenseConcepts
            ? _model.RecoveredConceptResidualFromGram(_problem.ConceptGram, DerivationMap(), _problem.ConceptEnergy)
            : _model.RecoveredConceptResidual(_problem.Concepts, Derived(), _problem.ConceptEnergy);
        double drift = _problem.DriftRows is { } rows
            ? _model.PreservationDrift(rows, _problem.DriftEnergy)
            : _model.PreservationDriftFromGram(_problem.DriftGram, _problem.DriftEnergy);
        return new StageMeasures(
            ErasureProblem.StageName(stage), residual, drift, _model.RelativeWeightChange(), clock.Elapsed.TotalSeconds);
    }

    /// <summary>Whether the concept rows are many enough that the epochs work on their Gram matrix.</summary>
    private bool DenseConcepts => _problem.UsesDenseForm(_problem.Concepts.shape[0]);

    /// <summary>The adversarial embeddings derived against the current model (concepts stacked, 77 rows each), float64.</summary>
    public Tensor DerivedEmbeddings() => DenseConcepts ? _problem.Concepts.mm(DerivationMap().t()) : Derived().clone();

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

    // Like Derived: once per model state, shared by the measures and the next epoch.
    private Tensor DerivationMap()
    {
        if (_derivationMap is null)
        {
            _derivationMap = _model.DerivationMap(_problem.Parameters.Regularizer);
            _derivationMap.DetachFromDisposeScope();
        }
        return _derivationMap;
    }

    private void ReplaceDerived(Tensor? value)
    {
        _derived?.Dispose();
        _derived = value;
        _derivationMap?.Dispose();
        _derivationMap = null;
    }

    public void Dispose()
    {
        ReplaceDerived(null);
        _model.Dispose();
    }
}

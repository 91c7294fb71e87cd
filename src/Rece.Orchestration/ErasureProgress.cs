using Rece.Orchestration.Planning;

namespace Rece.Orchestration;

/// <summary>Mutable progress of one orchestration execution (orchestrator code is single-threaded, replays
/// included).</summary>
internal sealed class ErasureProgress
{
    private readonly RunProgress[] _runs;
    private EvaluationProgress? _evaluation;

    public ErasureProgress(ErasurePlan plan, EvaluationPlan? evaluation = null)
    {
        _runs = plan.Runs.Select(r => new RunProgress(r.Run, 0, r.Settings.EffectiveEpochs, "Pending", 0)).ToArray();
        if (evaluation is not null)
            _evaluation = new EvaluationProgress(0, 0, evaluation.ShardJobs, 0, plan.Runs.Count);
    }

    public void Update(int index, int epoch, string state, int attempt) =>
        _runs[index] = _runs[index] with { Epoch = epoch, State = state, Attempt = attempt };

    public void ShardDone(bool succeeded) =>
        _evaluation = _evaluation! with
        {
            ShardsCompleted = _evaluation.ShardsCompleted + (succeeded ? 1 : 0),
            ShardsFailed = _evaluation.ShardsFailed + (succeeded ? 0 : 1),
        };

    /// <summary>Shards that will never run (their checkpoint was never made) or a fan-in that will not.</summary>
    public void Drop(int shards, int reports) =>
        _evaluation = _evaluation! with
        {
            ShardsTotal = _evaluation.ShardsTotal - shards,
            ReportsTotal = _evaluation.ReportsTotal - reports,
        };

    public void ReportDone() => _evaluation = _evaluation! with { ReportsCompleted = _evaluation.ReportsCompleted + 1 };

    public ErasureProgressStatus Snapshot() =>
        new(
            _runs.Count(r => r.State == RunStatus.Completed),
            _runs.Count(r => r.State == RunStatus.Failed),
            _runs.Length,
            _runs.ToArray()
        )
        {
            Evaluation = _evaluation,
        };
}

using System.Text.Json.Serialization;
using Rece.Orchestration.Planning;

namespace Rece.Orchestration;

/// <summary>customStatus of an erasure instance: runs done / total and each run's current epoch.</summary>
public sealed record ErasureProgressStatus(
    [property: JsonPropertyName("runsCompleted")] int RunsCompleted,
    [property: JsonPropertyName("runsFailed")] int RunsFailed,
    [property: JsonPropertyName("runsTotal")] int RunsTotal,
    [property: JsonPropertyName("runs")] IReadOnlyList<RunProgress> Runs)
{
    /// <summary>With an evaluation section: shards done / total and the runs' fan-ins.</summary>
    [JsonPropertyName("evaluation")] public EvaluationProgress? Evaluation { get; init; }
}

/// <param name="ShardsTotal">Planned shard jobs; a failed run's checkpoints that were never made are taken out.</param>
public sealed record EvaluationProgress(
    [property: JsonPropertyName("shardsCompleted")] int ShardsCompleted,
    [property: JsonPropertyName("shardsFailed")] int ShardsFailed,
    [property: JsonPropertyName("shardsTotal")] int ShardsTotal,
    [property: JsonPropertyName("reportsCompleted")] int ReportsCompleted,
    [property: JsonPropertyName("reportsTotal")] int ReportsTotal);

/// <param name="Epoch">The epoch being erased (0 = UCE), or the last one when done.</param>
/// <param name="Epochs">The run's last epoch.</param>
/// <param name="State">"Pending", "Running", "Completed" or "Failed".</param>
public sealed record RunProgress(
    [property: JsonPropertyName("run")] string Run,
    [property: JsonPropertyName("epoch")] int Epoch,
    [property: JsonPropertyName("epochs")] int Epochs,
    [property: JsonPropertyName("state")] string State,
    [property: JsonPropertyName("attempt")] int Attempt);

/// <summary>Mutable progress of one orchestration execution (orchestrator code is single-threaded, replays included).</summary>
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

    public void Update(int index, int epoch, string state, int attempt) => _runs[index] = _runs[index] with { Epoch = epoch, State = state, Attempt = attempt };

    public void ShardDone(bool succeeded) =>
        _evaluation = _evaluation! with
        {
            ShardsCompleted = _evaluation.ShardsCompleted + (succeeded ? 1 : 0),
            ShardsFailed = _evaluation.ShardsFailed + (succeeded ? 0 : 1),
        };

    /// <summary>Shards that will never run (their checkpoint was never made) or a fan-in that will not.</summary>
    public void Drop(int shards, int reports) =>
        _evaluation = _evaluation! with { ShardsTotal = _evaluation.ShardsTotal - shards, ReportsTotal = _evaluation.ReportsTotal - reports };

    public void ReportDone() => _evaluation = _evaluation! with { ReportsCompleted = _evaluation.ReportsCompleted + 1 };

    public ErasureProgressStatus Snapshot() =>
        new(_runs.Count(r => r.State == RunStatus.Completed), _runs.Count(r => r.State == RunStatus.Failed), _runs.Length, _runs.ToArray()) { Evaluation = _evaluation };
}

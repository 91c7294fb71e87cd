using System.Text.Json.Serialization;
using Rece.Orchestration.Planning;

namespace Rece.Orchestration;

/// <summary>customStatus of an erasure instance: runs done / total and each run's current epoch.</summary>
public sealed record ErasureProgressStatus(
    [property: JsonPropertyName("runsCompleted")] int RunsCompleted,
    [property: JsonPropertyName("runsFailed")] int RunsFailed,
    [property: JsonPropertyName("runsTotal")] int RunsTotal,
    [property: JsonPropertyName("runs")] IReadOnlyList<RunProgress> Runs);

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

    public ErasureProgress(ErasurePlan plan) =>
        _runs = plan.Runs.Select(r => new RunProgress(r.Run, 0, r.Settings.EffectiveEpochs, "Pending", 0)).ToArray();

    public void Update(int index, int epoch, string state, int attempt) => _runs[index] = _runs[index] with { Epoch = epoch, State = state, Attempt = attempt };

    public ErasureProgressStatus Snapshot() =>
        new(_runs.Count(r => r.State == RunStatus.Completed), _runs.Count(r => r.State == RunStatus.Failed), _runs.Length, _runs.ToArray());
}

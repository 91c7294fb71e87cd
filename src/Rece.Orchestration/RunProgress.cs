using System.Text.Json.Serialization;

namespace Rece.Orchestration;

/// <param name="Epoch">The epoch being erased (0 = UCE), or the last one when done.</param>
/// <param name="Epochs">The run's last epoch.</param>
/// <param name="State">"Pending", "Running", "Completed" or "Failed".</param>
public sealed record RunProgress(
    [property: JsonPropertyName("run")] string Run,
    [property: JsonPropertyName("epoch")] int Epoch,
    [property: JsonPropertyName("epochs")] int Epochs,
    [property: JsonPropertyName("state")] string State,
    [property: JsonPropertyName("attempt")] int Attempt
);

using System.Text.Json;
using System.Text.Json.Serialization;

namespace Rece.Orchestration.Planning;

/// <summary>One erase run of a request: a combination of the sweep's values.</summary>
/// <param name="Run">"run-0", "run-1", ...: the folder of its checkpoints.</param>
/// <param name="Swept">The sweep values of this combination (numbers or names), by field name (empty without a
/// sweep).</param>
public sealed record RunPlan(
    [property: JsonPropertyName("run")] string Run,
    [property: JsonPropertyName("settings")] RunSettings Settings,
    [property: JsonPropertyName("swept")] IReadOnlyDictionary<string, JsonElement> Swept
);

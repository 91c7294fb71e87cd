using System.Globalization;
using System.Text.Json.Serialization;
using Rece.Orchestration.Requests;

namespace Rece.Orchestration.Planning;

/// <summary>
/// Everything a GPU worker needs to erase one run: the request's texts and its settings with the sweep values and the
/// preset's epochs and lambda_R filled in (the worker applies the remaining defaults exactly as `rece erase` does).
/// </summary>
public sealed record RunSettings
{
    [JsonPropertyName("concepts")] public required IReadOnlyList<string> Concepts { get; init; }
    [JsonPropertyName("preset")] public required string Preset { get; init; }
    [JsonPropertyName("method")] public required string Method { get; init; }
    [JsonPropertyName("guide")] public IReadOnlyList<string> Guides { get; init; } = Array.Empty<string>();
    [JsonPropertyName("preserve")] public IReadOnlyList<string> Preserve { get; init; } = Array.Empty<string>();
    [JsonPropertyName("epochs")] public required int Epochs { get; init; }
    [JsonPropertyName("reg")] public required double Reg { get; init; }
    [JsonPropertyName("lambda")] public double? Lambda { get; init; }
    [JsonPropertyName("eraseScale")] public double? EraseScale { get; init; }
    [JsonPropertyName("preserveScale")] public double? PreserveScale { get; init; }
    [JsonPropertyName("uceLambda")] public double? UceLambda { get; init; }
    [JsonPropertyName("uceEraseScale")] public double? UceEraseScale { get; init; }
    [JsonPropertyName("ucePreserveScale")] public double? UcePreserveScale { get; init; }

    /// <summary>RECE epochs this run makes (0 for UCE).</summary>
    [JsonIgnore] public int EffectiveEpochs => Method == "uce" ? 0 : Epochs;
}

/// <summary>One erase run of a request: a combination of the sweep's values.</summary>
/// <param name="Run">"run-0", "run-1", ...: the folder of its checkpoints.</param>
/// <param name="Swept">The sweep values of this combination, by field name (empty without a sweep).</param>
public sealed record RunPlan(
    [property: JsonPropertyName("run")] string Run,
    [property: JsonPropertyName("settings")] RunSettings Settings,
    [property: JsonPropertyName("swept")] IReadOnlyDictionary<string, double> Swept);

/// <summary>The runs of a request: one per combination of the sweep's values, in a fixed order (reg, epochs, lambda, preserveScale; each as listed).</summary>
public sealed record ErasurePlan(IReadOnlyList<RunPlan> Runs)
{
    public static ErasurePlan Expand(PipelineRequest request)
    {
        var preset = request.Preset is null ? PresetDefaults.Default : PresetDefaults.Find(request.Preset)
            ?? throw new ArgumentException($"Unknown preset {request.Preset}.", nameof(request));
        var sweep = request.Sweep ?? new Sweep();
        var regs = sweep.Reg ?? new[] { request.Reg ?? preset.Reg };
        var epochs = sweep.Epochs ?? new[] { request.Method == "uce" ? 0 : request.Epochs ?? preset.Epochs };
        var lambdas = sweep.Lambda?.Select(v => (double?)v).ToList() ?? new List<double?> { request.Lambda };
        var preserveScales = sweep.PreserveScale?.Select(v => (double?)v).ToList() ?? new List<double?> { request.PreserveScale };

        var runs = new List<RunPlan>();
        foreach (var reg in regs)
        foreach (var epochCount in epochs)
        foreach (var lambda in lambdas)
        foreach (var preserveScale in preserveScales)
        {
            var swept = new SortedDictionary<string, double>(StringComparer.Ordinal);
            if (sweep.Reg is not null) swept["reg"] = reg;
            if (sweep.Epochs is not null) swept["epochs"] = epochCount;
            if (sweep.Lambda is not null) swept["lambda"] = lambda!.Value;
            if (sweep.PreserveScale is not null) swept["preserveScale"] = preserveScale!.Value;
            var settings = new RunSettings
            {
                Concepts = request.Concepts,
                Preset = preset.Name,
                Method = request.Method,
                Guides = request.Guides,
                Preserve = request.Preserve,
                Epochs = epochCount,
                Reg = reg,
                Lambda = lambda,
                EraseScale = request.EraseScale,
                PreserveScale = preserveScale,
                UceLambda = request.UceLambda,
                UceEraseScale = request.UceEraseScale,
                UcePreserveScale = request.UcePreserveScale,
            };
            runs.Add(new RunPlan(string.Create(CultureInfo.InvariantCulture, $"run-{runs.Count}"), settings, swept));
        }
        return new ErasurePlan(runs);
    }
}

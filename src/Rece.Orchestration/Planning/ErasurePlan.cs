using System.Globalization;
using Rece.Orchestration.Requests;

namespace Rece.Orchestration.Planning;

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

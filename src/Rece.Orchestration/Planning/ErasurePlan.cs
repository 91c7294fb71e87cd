using System.Globalization;
using System.Text.Json;
using Rece.Core.Settings;
using Rece.Orchestration.Requests;

namespace Rece.Orchestration.Planning;

/// <summary>
/// The runs of a request: one per combination of the sweep's values, in a fixed order (the sweepable settings in the
/// order <see cref="EraseSettings"/> declares them, the first varying slowest; each as listed).
/// </summary>
public sealed record ErasurePlan(IReadOnlyList<RunPlan> Runs)
{
    public static ErasurePlan Expand(PipelineRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (request.Method is { } trained && PipelineRequestParser.TrainedMethods.Contains(trained))
            return Trained(request, trained);
        var preset = request.Preset is null
            ? ErasurePreset.DefaultFor(request.Method)
            : ErasurePreset.Find(request.Preset)
                ?? throw new ArgumentException($"Unknown preset {request.Preset}.", nameof(request));
        var sweep = request.Sweep ?? new Dictionary<string, IReadOnlyList<JsonElement>>();
        // The preset's values are written into every run, so a worker never needs the preset table to plan epochs.
        EraseSettings settings = EraseSettings.Fill(
            request.CopyTo(
                new RunSettings
                {
                    Concepts = request.Concepts,
                    Preset = preset.Name,
                    Guides = request.Guides,
                    Preserve = request.Preserve,
                }
            ),
            preset.Settings
        ) with
        {
            Regularizer = request.Regularizer ?? preset.Regularizer,
            Epochs = request.Epochs ?? preset.Epochs,
            Method = request.Method ?? preset.Method,
        };

        var combinations = new List<(RunSettings Settings, SortedDictionary<string, JsonElement> Swept)>
        {
            ((RunSettings)settings, new SortedDictionary<string, JsonElement>(StringComparer.Ordinal)),
        };
        foreach (var setting in EraseSetting.Sweepables)
        {
            if (!sweep.TryGetValue(setting.Name, out var values))
                continue;
            combinations = combinations
                .SelectMany(c =>
                    values.Select(v =>
                        (
                            setting.IsChoice
                                ? setting.WithName(c.Settings, v.GetString())
                                : setting.With(c.Settings, v.GetDouble()),
                            new SortedDictionary<string, JsonElement>(c.Swept, StringComparer.Ordinal)
                            {
                                [setting.Name] = v,
                            }
                        )
                    )
                )
                .ToList();
        }
        // UCE and SPEED are single edits: a run of either makes no epochs, whatever the request's.
        var runs = combinations
            .Select(
                (c, i) =>
                    new RunPlan(
                        string.Create(CultureInfo.InvariantCulture, $"run-{i}"),
                        c.Settings.Method == "rece" ? c.Settings : c.Settings with { Epochs = 0 },
                        c.Swept
                    )
            )
            .ToList();
        return new ErasurePlan(runs);
    }

    /// <summary>A trained method's one run: no preset, no sweep; its settings are the training section's.</summary>
    private static ErasurePlan Trained(PipelineRequest request, string method) =>
        new(
            new[]
            {
                new RunPlan(
                    "run-0",
                    new RunSettings
                    {
                        Concepts = request.Concepts,
                        Preset = NoPreset,
                        Method = method,
                        Epochs =
                            method == PipelineRequestParser.FewShot
                                ? request.Epochs ?? TrainingDefaults.FewShotEpochs
                                : null,
                        Training = request.Training,
                    },
                    new SortedDictionary<string, JsonElement>(StringComparer.Ordinal)
                ),
            }
        );

    /// <summary>The preset a trained method's run names: none applies.</summary>
    public const string NoPreset = "none";
}

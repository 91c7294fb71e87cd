using System.Reflection;
using System.Text.Json;
using System.Text.Json.Serialization;
using Rece.Engine;
using Rece.Evaluation.NudeNet;
using Rece.Evaluation.Running;

namespace Rece.Evaluation.Reports;

/// <summary>report.json of `rece evaluate`: what ran, what was skipped and why, per-model summaries and every image's
/// results.</summary>
public sealed record EvaluationReport
{
    public const string FileName = "report.json";
    public const string HtmlFileName = "report.html";
    public const string Baseline = "baseline";
    public const string Edited = "edited";

    public static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    public string Tool { get; init; } =
        "rece "
        + (
            typeof(EvaluationReport)
                .Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()
                ?.InformationalVersion
            ?? "dev"
        );
    public required DateTimeOffset CreatedUtc { get; init; }
    public required ReportSuite Suite { get; init; }

    /// <summary>Role -> where its images came from.</summary>
    public required IReadOnlyDictionary<string, string> Sources { get; init; }

    public required IReadOnlyList<string> Metrics { get; init; }
    public required IReadOnlyList<SkippedMetric> Skipped { get; init; }

    /// <summary>Where the sampler, CLIP and NudeNet ran (`rece evaluate`); null in pipeline shard reports, whose job
    /// result names it.</summary>
    public Rece.Models.Devices.DeviceInfo? Device { get; init; }

    /// <summary>The ONNX Runtime execution provider NudeNet ran on, when it ran.</summary>
    public string? Detector { get; init; }
    public ReportAttack? Attack { get; init; }

    /// <summary>The white-box attack of the suite (UnlearnDiffAtk), when it has one.</summary>
    public ReportWhiteBoxAttack? WhiteBoxAttack { get; init; }

    /// <summary>The concepts the edited model's erasure named: object accuracy's erased classes.</summary>
    public IReadOnlyList<string>? Erased { get; init; }
    public required IReadOnlyList<ModelSummary> Summaries { get; init; }
    public required IReadOnlyList<ImageRecord> Images { get; init; }
    public IReadOnlyDictionary<string, double> Timings { get; init; } = new Dictionary<string, double>();

    public ModelSummary? SummaryOf(string role) => Summaries.FirstOrDefault(s => s.Role == role);

    public string ToJson() => JsonSerializer.Serialize(this, Json);

    public static EvaluationReport Parse(string json) =>
        JsonSerializer.Deserialize<EvaluationReport>(json, Json) ?? throw new JsonException("The report is empty.");

    /// <summary>Per-role summaries of image records (the fan-in of shards is a concatenation of their records, then
    /// this).</summary>
    public static IReadOnlyList<ModelSummary> Summarize(
        IReadOnlyList<ImageRecord> images,
        IReadOnlyList<string> metrics,
        bool attack,
        IReadOnlyDictionary<string, StageMeasures>? measures = null,
        IReadOnlyCollection<string>? erased = null
    )
    {
        var roles = images.Select(i => i.Role).Distinct().OrderBy(r => r == Baseline ? 0 : 1).ToList();
        foreach (var role in measures?.Keys ?? Enumerable.Empty<string>())
        {
            if (!roles.Contains(role))
                roles.Add(role);
        }
        return roles
            .Select(role =>
            {
                var mine = images.Where(i => i.Role == role).ToList();
                NudityMetrics? nudity = metrics.Contains(MetricPlan.NudeNet)
                    ? NudityMetrics.From(
                        mine.Select(i => (IReadOnlyCollection<string>)(i.Exposed?.Keys.ToList() ?? new List<string>()))
                            .ToList()
                    )
                    : null;
                var scored = mine.Where(i => i.ClipScore is not null).ToList();
                ClipScoreSummary? clip =
                    metrics.Contains(MetricPlan.ClipScore) && scored.Count > 0
                        ? new ClipScoreSummary(scored.Count, scored.Average(i => i.ClipScore!.Value))
                        : null;
                StageMeasures? stage = measures is not null && measures.TryGetValue(role, out var m) ? m : null;
                var classified = mine.Where(i => i.PredictedClass is not null).ToList();
                var judged = mine.Where(i => i.Q16 is not null).ToList();
                var compared = mine.Where(i => i.Lpips is not null).ToList();
                return new ModelSummary(
                    role,
                    mine.Count,
                    nudity,
                    clip,
                    attack && nudity is not null ? nudity.FlaggedShare : null,
                    stage
                )
                {
                    ObjectAccuracy =
                        metrics.Contains(MetricPlan.ObjectAccuracy) && classified.Count > 0
                            ? Classification.ObjectAccuracy.From(
                                classified.Select(i => (i.Label, i.PredictedClass!.Value)).ToList(),
                                erased ?? Array.Empty<string>()
                            )
                            : null,
                    Lpips =
                        metrics.Contains(MetricPlan.Lpips) && compared.Count > 0
                            ? Lpips.LpipsSummary.From(compared.Select(i => (i.Label, i.Lpips!.Value)).ToList())
                            : null,
                    Inappropriateness =
                        metrics.Contains(MetricPlan.Q16) && judged.Count > 0
                            ? Q16.Inappropriateness.From(
                                judged
                                    .Select(i =>
                                        (
                                            i.Label,
                                            Q16.Q16Classifier.Flags(i.Q16!.Value),
                                            metrics.Contains(MetricPlan.NudeNet)
                                                ? (bool?)(i.Exposed?.Keys.Any(NudeNetLabels.Exposed.Contains) == true)
                                                : null
                                        )
                                    )
                                    .ToList()
                            )
                            : null,
                };
            })
            .ToList();
    }

    /// <summary>
    /// Joins the reports of the shards of one evaluation (same suite and models): images concatenated (a case evaluated
    /// twice, e.g. by a retried shard, counts once), summaries recomputed, the shards' measures kept.
    /// </summary>
    public static EvaluationReport Merge(IReadOnlyList<EvaluationReport> shards)
    {
        if (shards.Count == 0)
            throw new ArgumentException("No shard reports to merge.", nameof(shards));
        var first = shards[0];
        if (
            shards.Any(s =>
                s.Suite.Name != first.Suite.Name
                || s.Suite.Shards != first.Suite.Shards
                || s.Suite.Limit != first.Suite.Limit
            )
        )
            throw new ArgumentException(
                "The reports are of different suites or slicings; merge only the shards of one evaluation.",
                nameof(shards)
            );
        var images = shards
            .SelectMany(s => s.Images)
            .DistinctBy(i => (i.Role, i.CaseNumber))
            .OrderBy(i => i.Role == Baseline ? 0 : 1)
            .ThenBy(i => i.CaseNumber)
            .ToList();
        var measures = shards
            .SelectMany(s => s.Summaries)
            .Where(s => s.Measures is not null)
            .GroupBy(s => s.Role)
            .ToDictionary(g => g.Key, g => g.First().Measures!);
        return first with
        {
            CreatedUtc = shards.Max(s => s.CreatedUtc),
            Suite = first.Suite with
            {
                Shard = 1,
                Shards = 1,
                Cases = images.Select(i => i.CaseNumber).Distinct().Count(),
            },
            Summaries = Summarize(
                images,
                first.Metrics,
                first.Attack is not null || first.WhiteBoxAttack is not null,
                measures,
                first.Erased
            ),
            Images = images,
            Timings = shards
                .SelectMany(s => s.Timings)
                .GroupBy(kv => kv.Key)
                .ToDictionary(g => g.Key, g => g.Sum(kv => kv.Value)),
        };
    }
}

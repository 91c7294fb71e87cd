using System.Globalization;
using System.Net;
using System.Text;
using Rece.Evaluation.Images;
using Rece.Evaluation.NudeNet;

namespace Rece.Evaluation.Reports;

/// <summary>
/// report.html: one self-contained file (inline CSS, an inline SVG chart, images as data: URIs, no external resources)
/// with the metric table against the baseline, the exposed-parts chart per class, and baseline and edited images of
/// the same seeds side by side. A small inline script records how many images the browser decoded, for tests.
/// </summary>
public static class HtmlReport
{
    public const int DefaultGridCases = 24;

    /// <summary>Cases shown at each end of the LPIPS ranking.</summary>
    public const int LpipsExtremeCases = 3;
    public const int ThumbnailSize = 256;

    private static readonly CultureInfo Invariant = CultureInfo.InvariantCulture;

    /// <param name="directory">The folder the report's image paths are relative to.</param>
    /// <param name="imagesAt">Where the full set of images is kept, for the note under the grid.</param>
    public static string Render(
        EvaluationReport report,
        string directory,
        int gridCases = DefaultGridCases,
        string imagesAt = "the images/ folder beside this report"
    )
    {
        var html = new StringBuilder();
        html.Append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n")
            .Append("<title>RECE evaluation: ")
            .Append(E(report.Suite.Name))
            .Append("</title>\n")
            .Append("<style>\n")
            .Append(Css)
            .Append("</style>\n</head>\n<body>\n");
        html.Append("<h1>Evaluation: ")
            .Append(E(report.Suite.Name))
            .Append("</h1>\n<p class=\"meta\">")
            .Append(E(report.Suite.Description))
            .Append(" &middot; ")
            .Append(report.Suite.Cases)
            .Append(" cases")
            .Append(report.Suite.Limit is int limit ? $" (first {limit})" : "")
            .Append(report.Suite.Shards > 1 ? $" &middot; shard {report.Suite.Shard}/{report.Suite.Shards}" : "")
            .Append(" &middot; ")
            .Append(E(report.CreatedUtc.ToString("u", Invariant)))
            .Append(" &middot; ")
            .Append(E(report.Tool))
            .Append("</p>\n");

        html.Append("<ul id=\"sources\">\n");
        foreach (var (role, source) in report.Sources)
            html.Append("<li><b>").Append(E(role)).Append("</b>: ").Append(E(source)).Append("</li>\n");
        if (report.Attack is { } attack)
            html.Append("<li><b>attack</b>: Ring-A-Bell on ")
                .Append(E(attack.Concept))
                .Append(", eta ")
                .Append(attack.Eta.ToString(Invariant))
                .Append(", concept vector from ")
                .Append(attack.Pairs)
                .Append(" prompt pairs (")
                .Append(E(attack.PairFile))
                .Append(")</li>\n");
        if (report.WhiteBoxAttack is { } whiteBox)
            html.Append("<li><b>attack</b>: ")
                .Append(E(whiteBox.Method))
                .Append(" on ")
                .Append(E(whiteBox.Concept))
                .Append(
                    Invariant,
                    $", {whiteBox.Tokens} adversarial tokens, {whiteBox.Stages} stages of {whiteBox.Iterations} steps, targets "
                )
                .Append(E(whiteBox.Target))
                .Append("</li>\n");
        html.Append("</ul>\n");

        if (report.Skipped.Count > 0)
        {
            html.Append("<section id=\"skipped\"><h2>Skipped metrics</h2><ul>\n");
            foreach (var skipped in report.Skipped)
                html.Append("<li data-metric=\"")
                    .Append(E(skipped.Metric))
                    .Append("\"><b>")
                    .Append(E(skipped.Metric))
                    .Append("</b>: ")
                    .Append(E(skipped.Reason))
                    .Append("</li>\n");
            html.Append("</ul></section>\n");
        }

        MetricTable(html, report);
        var baseline = report.SummaryOf(EvaluationReport.Baseline);
        var edited = report.SummaryOf(EvaluationReport.Edited);
        if (baseline?.Nudity is not null || edited?.Nudity is not null)
        {
            html.Append("<section id=\"classes\"><h2>Exposed body parts per class (NudeNet, score &gt; ")
                .Append(NudityMetrics.Threshold.ToString(Invariant))
                .Append(")</h2>\n");
            html.Append(BarChart(baseline?.Nudity, edited?.Nudity)).Append("</section>\n");
        }
        if (baseline?.Inappropriateness is not null || edited?.Inappropriateness is not null)
        {
            var shares = CategoryShares(baseline, edited);
            var categories = shares.Select(s => s.Label).ToList();
            Func<string, double>? Shares(
                ModelSummary? summary,
                Func<(string Label, double? Baseline, double? Edited), double?> pick
            ) =>
                summary?.Inappropriateness is null
                    ? null
                    : category => pick(shares.First(s => s.Label == category)) ?? 0;
            html.Append("<section id=\"categories\"><h2>Inappropriate images per I2P category (")
                .Append((edited ?? baseline)!.Inappropriateness!.WithNudeNet ? "Q16 or NudeNet" : "Q16")
                .Append(")</h2>\n")
                .Append(
                    GroupedBars(
                        "category-chart",
                        "Inappropriate images per I2P category",
                        categories,
                        Shares(baseline, s => s.Baseline),
                        Shares(edited, s => s.Edited),
                        "P1"
                    )
                )
                .Append("</section>\n");
        }
        LpipsExtremes(html, report, directory);
        ImageGrid(html, report, directory, gridCases, imagesAt);
        html.Append("<p id=\"render-check\" class=\"meta\"></p>\n<script>\n")
            .Append(RenderCheckScript)
            .Append("</script>\n</body>\n</html>\n");
        return html.ToString();
    }

    private static void MetricTable(StringBuilder html, EvaluationReport report)
    {
        var baseline = report.SummaryOf(EvaluationReport.Baseline);
        var edited = report.SummaryOf(EvaluationReport.Edited);
        var rows = new List<(string Key, string Name, double? Baseline, double? Edited, string Format)>
        {
            ("images", "Images evaluated", baseline?.Images, edited?.Images, "N0"),
        };
        if (baseline?.Nudity is not null || edited?.Nudity is not null)
        {
            rows.Add(
                (
                    "exposed-parts",
                    "Exposed body parts (sum over classes)",
                    baseline?.Nudity?.ExposedParts,
                    edited?.Nudity?.ExposedParts,
                    "N0"
                )
            );
            rows.Add(
                report.Attack is null && report.WhiteBoxAttack is null
                    ? (
                        "flagged-share",
                        "Flagged images (any exposed part)",
                        baseline?.Nudity?.FlaggedShare,
                        edited?.Nudity?.FlaggedShare,
                        "P1"
                    )
                    : (
                        "attack-success-rate",
                        "Attack success rate (flagged attacked images)",
                        baseline?.AttackSuccessRate,
                        edited?.AttackSuccessRate,
                        "P1"
                    )
            );
            foreach (var label in NudeNetLabels.Exposed)
                rows.Add(
                    (
                        "class:" + label,
                        label,
                        baseline?.Nudity?.Classes.First(c => c.Label == label).Images,
                        edited?.Nudity?.Classes.First(c => c.Label == label).Images,
                        "N0"
                    )
                );
        }
        if (baseline?.ClipScore is not null || edited?.ClipScore is not null)
            rows.Add(
                ("clip-score", "CLIP score (100 x cosine)", baseline?.ClipScore?.Mean, edited?.ClipScore?.Mean, "F2")
            );
        if (baseline?.Fid is not null || edited?.Fid is not null)
        {
            if ((edited ?? baseline)!.Fid!.Reference is not null)
                rows.Add(
                    ("fid", "FID to the reference images", baseline?.Fid?.ToReference, edited?.Fid?.ToReference, "F2")
                );
            if (edited?.Fid?.ToBaseline is double toBaseline)
                rows.Add(("fid-baseline", "FID to the baseline's images", null, toBaseline, "F2"));
        }
        if (edited?.Lpips is { } lpips)
        {
            rows.Add(("lpips", "LPIPS to the baseline (mean over images)", null, lpips.Mean, "F4"));
            foreach (var (label, mean) in lpips.PerLabel)
                rows.Add(("lpips:" + label, "LPIPS to the baseline: " + label, null, mean, "F4"));
        }
        if (baseline?.Inappropriateness is not null || edited?.Inappropriateness is not null)
        {
            bool withNudeNet = (edited ?? baseline)!.Inappropriateness?.WithNudeNet ?? false;
            rows.Add(
                (
                    "q16-share",
                    "Q16 flagged",
                    baseline?.Inappropriateness?.Q16Share,
                    edited?.Inappropriateness?.Q16Share,
                    "P1"
                )
            );
            rows.Add(
                (
                    "inappropriate-share",
                    withNudeNet ? "Inappropriate (Q16 or NudeNet)" : "Inappropriate (Q16)",
                    baseline?.Inappropriateness?.Share,
                    edited?.Inappropriateness?.Share,
                    "P1"
                )
            );
            foreach (var (category, b, e) in CategoryShares(baseline, edited))
                rows.Add(("inappropriate:" + category, "Inappropriate: " + category, b, e, "P1"));
        }
        if (baseline?.ObjectAccuracy is not null || edited?.ObjectAccuracy is not null)
        {
            string erased = report.Erased is { Count: > 0 } names ? $" ({string.Join(", ", names)})" : "";
            rows.Add(
                (
                    "object-accuracy:erased",
                    "Top-1 accuracy, erased classes" + erased,
                    baseline?.ObjectAccuracy?.ErasedAccuracy,
                    edited?.ObjectAccuracy?.ErasedAccuracy,
                    "P1"
                )
            );
            rows.Add(
                (
                    "object-accuracy:others",
                    "Top-1 accuracy, other classes",
                    baseline?.ObjectAccuracy?.OtherAccuracy,
                    edited?.ObjectAccuracy?.OtherAccuracy,
                    "P1"
                )
            );
            var classes = PerLabel(
                baseline?.ObjectAccuracy?.Classes,
                edited?.ObjectAccuracy?.Classes,
                c => c.Class,
                c => c.Accuracy
            );
            foreach (var (name, b, e) in classes)
                rows.Add(("object-accuracy:class:" + name, "Top-1 accuracy: " + name, b, e, "P1"));
        }
        if (baseline?.Measures is not null || edited?.Measures is not null)
        {
            rows.Add(
                (
                    "residual",
                    "Recovered-concept residual",
                    baseline?.Measures?.RecoveredConceptResidual,
                    edited?.Measures?.RecoveredConceptResidual,
                    "F4"
                )
            );
            rows.Add(
                (
                    "drift",
                    "Preservation drift",
                    baseline?.Measures?.PreservationDrift,
                    edited?.Measures?.PreservationDrift,
                    "F4"
                )
            );
            rows.Add(
                (
                    "weight-change",
                    "Relative weight change",
                    baseline?.Measures?.RelativeWeightChange,
                    edited?.Measures?.RelativeWeightChange,
                    "F4"
                )
            );
        }
        html.Append(
            "<section id=\"metrics\"><h2>Metrics</h2>\n<table id=\"metric-table\">\n<thead><tr><th>Metric</th><th>Baseline</th><th>Edited</th><th>Change</th></tr></thead>\n<tbody>\n"
        );
        foreach (var (key, name, b, e, format) in rows)
        {
            string change = b is double bv && e is double ev ? Signed(ev - bv, format) : "";
            html.Append("<tr data-metric=\"")
                .Append(E(key))
                .Append("\"><td>")
                .Append(E(name))
                .Append("</td><td>")
                .Append(Format(b, format))
                .Append("</td><td>")
                .Append(Format(e, format))
                .Append("</td><td>")
                .Append(change)
                .Append("</td></tr>\n");
        }
        html.Append("</tbody>\n</table></section>\n");
    }

    /// <summary>I2P's inappropriate share per category of either model.</summary>
    private static List<(string Label, double? Baseline, double? Edited)> CategoryShares(
        ModelSummary? baseline,
        ModelSummary? edited
    ) =>
        PerLabel(
            baseline?.Inappropriateness?.Categories,
            edited?.Inappropriateness?.Categories,
            c => c.Category,
            c => c.Share
        );

    /// <summary>The labels of either model's per-label results (in order, once each, ignoring case) with each model's
    /// value for it (null where it has none).</summary>
    private static List<(string Label, double? Baseline, double? Edited)> PerLabel<T>(
        IReadOnlyList<T>? baseline,
        IReadOnlyList<T>? edited,
        Func<T, string> label,
        Func<T, double> value
    )
        where T : class
    {
        double? ValueOf(IReadOnlyList<T>? items, string name) =>
            items?.FirstOrDefault(i => label(i) == name) is { } item ? value(item) : null;
        return (baseline ?? Array.Empty<T>())
            .Concat(edited ?? Array.Empty<T>())
            .Select(label)
            .Distinct(StringComparer.OrdinalIgnoreCase)
            .Select(name => (name, ValueOf(baseline, name), ValueOf(edited, name)))
            .ToList();
    }

    private static string Format(double? value, string format) => value is double v ? E(Number(v, format)) : "&ndash;";

    private static string Signed(double value, string format) => E((value > 0 ? "+" : "") + Number(value, format));

    /// <summary>Percentages as "12.5%" (the invariant culture's "P1" puts a space before the sign).</summary>
    private static string Number(double value, string format) =>
        format == "P1" ? (value * 100).ToString("F1", Invariant) + "%" : value.ToString(format, Invariant);

    /// <summary>Horizontal grouped bars, one group per exposed class: baseline above, edited below.</summary>
    internal static string BarChart(NudityMetrics? baseline, NudityMetrics? edited) =>
        GroupedBars(
            "class-chart",
            "Exposed body parts per class",
            NudeNetLabels.Exposed,
            baseline is null ? null : label => Count(baseline, label),
            edited is null ? null : label => Count(edited, label),
            "F0"
        );

    /// <summary>Horizontal grouped bars, one group per label: baseline above, edited below (a role without values is
    /// left out).</summary>
    private static string GroupedBars(
        string id,
        string title,
        IReadOnlyList<string> labels,
        Func<string, double>? baseline,
        Func<string, double>? edited,
        string format
    )
    {
        const int labelWidth = 230,
            barArea = 420,
            rowHeight = 30,
            top = 28;
        double max = labels
            .SelectMany(l => new[] { baseline?.Invoke(l) ?? 0, edited?.Invoke(l) ?? 0 })
            .DefaultIfEmpty(0)
            .Max();
        if (max <= 0)
            max = 1;
        int height = top + rowHeight * labels.Count + 6;
        var svg = new StringBuilder();
        svg.Append(
            Invariant,
            $"<svg id=\"{id}\" xmlns=\"http://www.w3.org/2000/svg\" width=\"{labelWidth + barArea + 60}\" height=\"{height}\" role=\"img\" aria-label=\"{E(title)}\">\n"
        );
        svg.Append(
                "<rect x=\"0\" y=\"4\" width=\"12\" height=\"10\" class=\"bar-baseline\"/><text x=\"18\" y=\"13\">baseline</text>"
            )
            .Append(
                "<rect x=\"100\" y=\"4\" width=\"12\" height=\"10\" class=\"bar-edited\"/><text x=\"118\" y=\"13\">edited</text>\n"
            );
        for (int i = 0; i < labels.Count; i++)
        {
            string label = labels[i];
            int y = top + i * rowHeight;
            svg.Append(
                Invariant,
                $"<g data-class=\"{E(label)}\"><text x=\"{labelWidth - 8}\" y=\"{y + 15}\" text-anchor=\"end\">{E(label)}</text>"
            );
            void Bar(Func<string, double>? value, int offset, string css)
            {
                if (value is null)
                    return;
                double v = value(label);
                double width = barArea * v / max;
                string text = E(Number(v, format));
                svg.Append(
                    Invariant,
                    $"<rect x=\"{labelWidth}\" y=\"{y + offset}\" width=\"{width:F1}\" height=\"11\" class=\"{css}\" data-count=\"{text}\"/>"
                );
                svg.Append(
                    Invariant,
                    $"<text x=\"{labelWidth + width + 4:F1}\" y=\"{y + offset + 10}\" class=\"count\">{text}</text>"
                );
            }
            Bar(baseline, 2, "bar-baseline");
            Bar(edited, 14, "bar-edited");
            svg.Append("</g>\n");
        }
        return svg.Append("</svg>\n").ToString();
    }

    private static int Count(NudityMetrics? metrics, string label) =>
        metrics?.Classes.FirstOrDefault(c => c.Label == label)?.Images ?? 0;

    private static void ImageGrid(
        StringBuilder html,
        EvaluationReport report,
        string directory,
        int gridCases,
        string imagesAt
    )
    {
        var byCase = report.Images.GroupBy(i => i.CaseNumber).OrderBy(g => g.Key).Take(gridCases).ToList();
        if (byCase.Count == 0)
            return;
        bool hasBaseline = report.Images.Any(i => i.Role == EvaluationReport.Baseline);
        int total = report.Images.Select(i => i.CaseNumber).Distinct().Count();
        html.Append("<section id=\"grid\"><h2>Images")
            .Append(hasBaseline ? ": baseline and edited, same seeds" : "")
            .Append("</h2>\n");
        if (total > byCase.Count)
            html.Append("<p class=\"meta\">The first ")
                .Append(byCase.Count)
                .Append(" of ")
                .Append(total)
                .Append(" cases; every image is in ")
                .Append(E(imagesAt))
                .Append(".</p>\n");
        CaseTable(html, "image-grid", byCase, hasBaseline, directory);
        html.Append("</section>\n");
    }

    /// <summary>A table of cases, each row its prompt and its images per role (baseline beside edited).</summary>
    private static void CaseTable(
        StringBuilder html,
        string id,
        IReadOnlyList<IGrouping<int, ImageRecord>> byCase,
        bool hasBaseline,
        string directory
    )
    {
        html.Append("<table id=\"").Append(id).Append("\">\n<thead><tr><th>Case</th>");
        if (hasBaseline)
            html.Append("<th>Baseline</th>");
        html.Append("<th>Edited</th></tr></thead>\n<tbody>\n");
        foreach (var group in byCase)
        {
            var any = group.First();
            html.Append("<tr data-case=\"")
                .Append(group.Key)
                .Append("\"><td class=\"case\"><b>")
                .Append(group.Key)
                .Append("</b>")
                .Append(any.Seed is long seed ? $"<br>seed {seed}" : "")
                .Append("<br><span class=\"prompt\">")
                .Append(E(any.Prompt))
                .Append("</span></td>");
            foreach (
                var role in hasBaseline
                    ? new[] { EvaluationReport.Baseline, EvaluationReport.Edited }
                    : new[] { EvaluationReport.Edited }
            )
            {
                var image = group.FirstOrDefault(i => i.Role == role);
                html.Append("<td>");
                if (image is not null)
                {
                    html.Append("<img data-role=\"")
                        .Append(role)
                        .Append("\" alt=\"")
                        .Append(role)
                        .Append(" image of case ")
                        .Append(group.Key)
                        .Append("\" src=\"")
                        .Append(DataUri(Path.Combine(directory, image.File)))
                        .Append("\">");
                    html.Append("<div class=\"caption\">").Append(Caption(image)).Append("</div>");
                }
                html.Append("</td>");
            }
            html.Append("</tr>\n");
        }
        html.Append("</tbody>\n</table>\n");
    }

    /// <summary>The cases whose edited image moved most and least from the baseline's (LPIPS), side by side.</summary>
    private static void LpipsExtremes(StringBuilder html, EvaluationReport report, string directory)
    {
        var compared = report.Images.Where(i => i.Lpips is not null).OrderByDescending(i => i.Lpips).ToList();
        if (compared.Count == 0)
            return;
        int count = Math.Min(LpipsExtremeCases, (compared.Count + 1) / 2);
        var cases = compared
            .Take(count)
            .Concat(compared.Skip(Math.Max(count, compared.Count - count)))
            .Select(i => i.CaseNumber)
            .ToList();
        var byCase = report
            .Images.Where(i => cases.Contains(i.CaseNumber))
            .GroupBy(i => i.CaseNumber)
            .OrderBy(g => cases.IndexOf(g.Key))
            .ToList();
        html.Append("<section id=\"lpips-extremes\"><h2>Largest and smallest LPIPS to the baseline</h2>\n");
        CaseTable(html, "lpips-table", byCase, hasBaseline: true, directory);
        html.Append("</section>\n");
    }

    private static string Caption(ImageRecord image)
    {
        var parts = new List<string>();
        if (image.Exposed is { } exposed)
            parts.Add(
                exposed.Count == 0
                    ? "no exposed parts"
                    : string.Join(", ", exposed.OrderByDescending(e => e.Value).Select(e => $"{e.Key} {e.Value:F2}"))
            );
        if (image.ClipScore is double clip)
            parts.Add("CLIP " + clip.ToString("F2", Invariant));
        if (image.Q16 is double q16)
            parts.Add("Q16 " + q16.ToString("F2", Invariant));
        if (image.PredictedClass is int predicted)
            parts.Add("class " + predicted.ToString(Invariant));
        if (image.Lpips is double lpips)
            parts.Add("LPIPS " + lpips.ToString("F3", Invariant));
        return E(string.Join(" · ", parts));
    }

    /// <summary>The image as a PNG data URI, scaled down to at most <see cref="ThumbnailSize"/> pixels a
    /// side.</summary>
    private static string DataUri(string path)
    {
        var image = RgbImage.Load(path);
        int side = Math.Max(image.Width, image.Height);
        if (side > ThumbnailSize)
        {
            int w = Math.Max(1, image.Width * ThumbnailSize / side),
                h = Math.Max(1, image.Height * ThumbnailSize / side);
            image = Resampling.BicubicPil(image, w, h);
        }
        return "data:image/png;base64," + Convert.ToBase64String(image.EncodePng());
    }

    private static string E(string text) => WebUtility.HtmlEncode(text);

    private const string Css = """
        body { font-family: system-ui, -apple-system, "Segoe UI", sans-serif; margin: 2rem auto; max-width: 1100px; color: #202124; padding: 0 1rem; }
        h1 { font-size: 1.6rem; margin-bottom: 0.2rem; }
        h2 { font-size: 1.15rem; margin-top: 2rem; border-bottom: 1px solid #dadce0; padding-bottom: 0.3rem; }
        .meta { color: #5f6368; font-size: 0.9rem; }
        #skipped li { color: #a50e0e; margin-bottom: 0.4rem; }
        table { border-collapse: collapse; }
        #metric-table td, #metric-table th {
            padding: 0.35rem 0.9rem; border-bottom: 1px solid #e8eaed; text-align: right;
        }
        #metric-table td:first-child, #metric-table th:first-child { text-align: left; }
        #metric-table tr[data-metric^="class:"] td:first-child { padding-left: 1.8rem; font-family: ui-monospace, monospace; font-size: 0.85rem; }
        svg text { font-size: 12px; fill: #202124; font-family: ui-monospace, monospace; }
        .bar-baseline { fill: #9aa0a6; }
        .bar-edited { fill: #d93025; }
        #image-grid td { vertical-align: top; padding: 0.5rem; border-bottom: 1px solid #e8eaed; }
        #image-grid img { width: 256px; height: auto; display: block; image-rendering: auto; background: #f1f3f4; }
        .case { max-width: 260px; font-size: 0.85rem; }
        .prompt { color: #5f6368; }
        .caption { font-size: 0.8rem; color: #5f6368; max-width: 256px; }

        """;

    private const string RenderCheckScript = """
        window.addEventListener('load', function () {
          var images = Array.prototype.slice.call(document.images);
          var decoded = images.filter(function (i) { return i.complete && i.naturalWidth > 0; }).length;
          images.forEach(function (i) { i.setAttribute('data-natural-width', String(i.naturalWidth)); });
          document.body.setAttribute('data-images-total', String(images.length));
          document.body.setAttribute('data-images-decoded', String(decoded));
          document.getElementById('render-check').textContent = decoded + ' of ' + images.length + ' images decoded';
        });

        """;
}

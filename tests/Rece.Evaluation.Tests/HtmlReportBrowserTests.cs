using System.Diagnostics;
using System.Text.RegularExpressions;
using Rece.Evaluation.Images;
using Rece.Evaluation.NudeNet;
using Rece.Evaluation.Reports;
using Rece.Evaluation.Running;

namespace Rece.Evaluation.Tests;

/// <summary>Opens report.html in headless Chromium (Debian package "chromium") and checks what the browser
/// rendered.</summary>
public sealed partial class HtmlReportBrowserTests : IDisposable
{
    private readonly TempFolder _temp = new();

    private EvaluationReport WriteReport(string folder)
    {
        Directory.CreateDirectory(Path.Combine(folder, "images", "baseline"));
        Directory.CreateDirectory(Path.Combine(folder, "images", "edited"));
        var records = new List<ImageRecord>();
        for (int c = 0; c < 3; c++)
        {
            foreach (var role in new[] { EvaluationReport.Baseline, EvaluationReport.Edited })
            {
                var image = RgbImage.Filled(
                    512,
                    384,
                    (byte)(40 * c),
                    120,
                    role == EvaluationReport.Baseline ? (byte)200 : (byte)30
                );
                string file = Path.Combine("images", role, $"{c}.png");
                image.SavePng(Path.Combine(folder, file));
                var exposed =
                    role == EvaluationReport.Baseline
                        ? new Dictionary<string, float> { ["BELLY_EXPOSED"] = 0.8f }
                        : new Dictionary<string, float>();
                records.Add(
                    new ImageRecord(
                        role,
                        c,
                        $"prompt <{c}> & \"quoted\"",
                        1000 + c,
                        file,
                        Array.Empty<Detection>(),
                        exposed,
                        30 + c
                    )
                );
            }
        }
        var metrics = new[] { MetricPlan.NudeNet, MetricPlan.ClipScore };
        var report = new EvaluationReport
        {
            CreatedUtc = DateTimeOffset.UtcNow,
            Suite = new ReportSuite("nudity", "test suite", "nudity.csv", 3, 1, 1, 3),
            Sources = new Dictionary<string, string> { ["baseline"] = "test images", ["edited"] = "test images" },
            Metrics = metrics,
            Skipped = new[] { new SkippedMetric(MetricPlan.EmbeddingMeasures, "needs --baseline") },
            Summaries = EvaluationReport.Summarize(records, metrics, attack: false),
            Images = records,
        };
        File.WriteAllText(Path.Combine(folder, EvaluationReport.HtmlFileName), HtmlReport.Render(report, folder));
        return report;
    }

    [Fact]
    public void Chromium_renders_the_table_chart_and_every_image()
    {
        string folder = _temp.File("report");
        var report = WriteReport(folder);
        string dom = DumpDom(Path.Combine(folder, EvaluationReport.HtmlFileName));

        Assert.Contains("<table id=\"metric-table\">", dom);
        foreach (
            var metric in new[] { "images", "exposed-parts", "flagged-share", "clip-score", "class:BELLY_EXPOSED" }
        )
            Assert.Matches($"<tr data-metric=\"{Regex.Escape(metric)}\">", dom);
        Assert.Contains("<td>100.0%</td><td>0.0%</td><td>-100.0%</td>", dom);
        Assert.Contains("id=\"class-chart\"", dom);
        Assert.Contains("data-count=\"3\"", dom);
        Assert.Contains("needs --baseline", dom);
        Assert.Contains("prompt &lt;1&gt; &amp; \"quoted\"", dom);

        // The inline script ran after load and found every image decoded by the browser.
        var total = BodyAttribute().Match(dom);
        Assert.True(total.Success, "The render-check script did not run: " + dom[..Math.Min(dom.Length, 400)]);
        Assert.Equal("6", total.Groups["total"].Value);
        Assert.Equal("6", total.Groups["decoded"].Value);
        var widths = NaturalWidth().Matches(dom).Select(m => int.Parse(m.Groups[1].Value)).ToList();
        Assert.Equal(6, widths.Count);
        Assert.All(widths, w => Assert.Equal(HtmlReport.ThumbnailSize, w));
        Assert.Equal(6, report.Images.Count);
    }

    [GeneratedRegex("data-images-total=\"(?<total>\\d+)\" data-images-decoded=\"(?<decoded>\\d+)\"")]
    private static partial Regex BodyAttribute();

    [GeneratedRegex("data-natural-width=\"(\\d+)\"")]
    private static partial Regex NaturalWidth();

    /// <summary>The DOM after load, from headless Chromium (fails with how to install it when it is missing).</summary>
    private string DumpDom(string htmlPath)
    {
        string? browser = new[] { "chromium", "chromium-browser" }
            .SelectMany(name =>
                (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':').Select(dir => Path.Combine(dir, name))
            )
            .FirstOrDefault(File.Exists);
        Assert.True(
            browser is not null,
            "Headless Chromium is needed to check report.html: install it with `apt-get install -y chromium` (.ci/run does this)."
        );
        string profile = _temp.File("chromium-profile");
        Directory.CreateDirectory(profile);
        var start = new ProcessStartInfo(browser!)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (
            var argument in new[]
            {
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--user-data-dir=" + profile,
                "--virtual-time-budget=10000",
                "--dump-dom",
                new Uri(htmlPath).AbsoluteUri,
            }
        )
            start.ArgumentList.Add(argument);
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromSeconds(90)))
        {
            process.Kill(entireProcessTree: true);
            Assert.Fail("Chromium did not finish within 90 s.");
        }
        Assert.True(process.ExitCode == 0, $"Chromium exited with {process.ExitCode}: {stderr.Result}");
        return stdout.Result;
    }

    public void Dispose() => _temp.Dispose();
}

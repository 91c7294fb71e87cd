using System.Text.Json;
using Rece.Erasure;

namespace Rece.Benchmarks;

/// <summary>
/// Times `rece erase --preset nudity` (UCE + 3 RECE epochs) on random weights with the exact SD v1.4 shapes, each run
/// in a new process. Options: [--work DIR] [--runs N] [--skip-full-output]
/// </summary>
public static class EraseBenchmark
{
    public static int Run(string[] args)
    {
        var work = Path.GetFullPath(Argument("--work") ?? ".bench");
        int runs = int.Parse(Argument("--runs") ?? "5");
        bool fullOutput = !args.Contains("--skip-full-output");

        string fixture = BenchmarkFixture.StableDiffusionV14(work);

        var patchRuns = new List<(double Wall, ErasureReport Report)>();
        for (int i = 0; i < runs; i++)
        {
            var run = Erase(Path.Combine(work, "out-patch"), patchOnly: true);
            patchRuns.Add(run);
            Console.Error.WriteLine(
                $"run {i + 1}/{runs}: {run.Wall:F2} s wall, erasure math {run.Report.Timings["erasureMath"]:F3} s, peak RSS {run.Report.PeakResidentBytes / 1e6:F0} MB"
            );
        }
        (double Wall, ErasureReport Report)? full = fullOutput
            ? Erase(Path.Combine(work, "out-model"), patchOnly: false)
            : null;

        double Median(IEnumerable<double> values)
        {
            var sorted = values.OrderBy(v => v).ToArray();
            return sorted.Length % 2 == 1
                ? sorted[sorted.Length / 2]
                : (sorted[sorted.Length / 2 - 1] + sorted[sorted.Length / 2]) / 2;
        }

        var stages = patchRuns[0].Report.Timings.Keys.ToList();
        double math = Median(patchRuns.Select(r => r.Report.Timings["erasureMath"]));
        double mathWithGram = Median(patchRuns.Select(r => r.Report.Timings["erasureMathWithGram"]));
        double wall = Median(patchRuns.Select(r => r.Wall));
        double rss = patchRuns.Max(r => r.Report.PeakResidentBytes) / (1024.0 * 1024 * 1024);
        Console.WriteLine(
            $"rece erase --preset nudity on SD v1.4 shapes ({patchRuns[0].Report.Model.EditedMatrices} K/V matrices, d={patchRuns[0].Report.Model.EmbeddingDim}), {runs} cold runs, medians:"
        );
        foreach (var stage in stages)
            Console.WriteLine($"  {stage, -16} {Median(patchRuns.Select(r => r.Report.Timings[stage])), 8:F3} s");
        Console.WriteLine($"  {"process wall", -16} {wall, 8:F3} s");
        Console.WriteLine();
        Console.WriteLine(
            $"erasure math (after embeddings, before writing): {math:F3} s   target < 0.3 s   {(math < 0.3 ? "met" : "MISSED")}"
        );
        Console.WriteLine(
            $"  the same plus forming G0 (done in the background while the text encoder loads): {mathWithGram:F3} s"
        );
        Console.WriteLine(
            $"whole command, cold process, patch + report:     {wall:F3} s   target < 3.4 s   {(wall < 3.4 ? "met" : "MISSED")}"
        );
        Console.WriteLine(
            $"peak resident memory:                            {rss:F2} GiB  target < 2 GiB   {(rss < 2 ? "met" : "MISSED")}"
        );
        if (full is { } f)
            Console.WriteLine(
                $"with the full edited model written (3.4 GB U-Net + links): {f.Wall:F2} s wall, writeUNet {f.Report.Timings["writeUNet"]:F2} s, peak RSS {f.Report.PeakResidentBytes / 1e9:F2} GB"
            );

        var summary = new
        {
            machine = new
            {
                Environment.ProcessorCount,
                os = System.Runtime.InteropServices.RuntimeInformation.OSDescription,
            },
            runs,
            medians = stages.ToDictionary(s => s, s => Median(patchRuns.Select(r => r.Report.Timings[s]))),
            wallSeconds = wall,
            erasureMathSeconds = math,
            erasureMathWithGramSeconds = mathWithGram,
            peakResidentGiB = rss,
            fullOutputWallSeconds = full?.Wall,
            fullOutputTimings = full?.Report.Timings,
        };
        File.WriteAllText(
            Path.Combine(work, "bench-results.json"),
            JsonSerializer.Serialize(summary, BenchmarkOutput.Indented)
        );
        return 0;

        (double Wall, ErasureReport Report) Erase(string output, bool patchOnly) =>
            BenchmarkFixture.Erase(
                new[]
                {
                    "--model",
                    fixture,
                    "--concept",
                    "nudity",
                    "--preset",
                    "nudity",
                    "--out",
                    output,
                    "--force",
                    // Cold, as a first run: every text encoded (the mass benchmark times the cache).
                    "--embedding-cache",
                    "off",
                }.Concat(patchOnly ? new[] { "--patch-only" } : Array.Empty<string>())
            );

        string? Argument(string name)
        {
            int i = Array.IndexOf(args, name);
            return i >= 0 && i + 1 < args.Length ? args[i + 1] : null;
        }
    }
}

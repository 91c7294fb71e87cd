using System.Globalization;
using System.Text.Json;
using Rece.Erasure;

namespace Rece.Benchmarks;

/// <summary>
/// Mass erasure on the SD v1.4-shaped fixture: `rece erase --patch-only --preset object` (or `--preset speed` with
/// `--method speed`) with N concepts (artists' names, two words mostly) and M preserve texts (other artists' prompts),
/// each configuration once with an empty embedding cache and once with it warm, every run in a new process. Prints the
/// erase math (preserve Gram matrix, problem set-up and the stages), the text encoding, the process wall time and peak
/// memory.
/// Options: [--work DIR] [--method rece|speed] [--concepts 1,10,100] [--preserve 0,1000,2000] [--warm-only]
/// </summary>
public static class MassBenchmark
{
    public static int Run(string[] args)
    {
        var work = Path.GetFullPath(Argument(args, "--work") ?? ".bench");
        var conceptCounts = Counts(Argument(args, "--concepts") ?? "1,10,100");
        var preserveCounts = Counts(Argument(args, "--preserve") ?? "0,1000,2000");
        bool warmOnly = args.Contains("--warm-only");
        string method = Argument(args, "--method") ?? "rece";
        if (method is not ("rece" or "speed"))
        {
            Console.Error.WriteLine($"error: --method must be rece or speed (got {method}).");
            return 2;
        }
        string fixture = BenchmarkFixture.StableDiffusionV14(work);

        var prompts = PresetLists.ArtistPrompts();
        var artists = prompts.Select(p => p.Artist).Distinct().ToList();
        var results = new List<object>();
        Console.WriteLine($"method {method}");
        Console.WriteLine("concepts preserve  cache  math s  encode s  total s  peak GiB");
        foreach (int preserve in preserveCounts)
        {
            foreach (int concepts in conceptCounts)
            {
                var erased = artists.Take(concepts).ToList();
                var kept = prompts.Where(p => !erased.Contains(p.Artist)).Take(preserve).Select(p => p.Prompt).ToList();
                if (kept.Count < preserve)
                    throw new InvalidOperationException($"Only {kept.Count} preserve prompts are available.");
                string preserveFile = Path.Combine(work, "mass-preserve.txt");
                File.WriteAllLines(preserveFile, kept);
                string cache = Path.Combine(work, $"mass-cache-{preserve}");
                if (!warmOnly && Directory.Exists(cache))
                    Directory.Delete(cache, recursive: true);
                foreach (string state in warmOnly ? new[] { "warm" } : new[] { "cold", "warm" })
                {
                    var (wall, report) = Erase(
                        fixture,
                        Path.Combine(work, "mass-out"),
                        erased,
                        preserve > 0 ? preserveFile : null,
                        cache,
                        method
                    );
                    var t = report.Timings;
                    // SPEED prepares no RECE problem: its set-up is part of its math.
                    double math = t["preserveGram"] + t.GetValueOrDefault("prepareProblem") + t["erasureMath"];
                    double gib = report.PeakResidentBytes / (1024.0 * 1024 * 1024);
                    Console.WriteLine(
                        string.Create(
                            CultureInfo.InvariantCulture,
                            $"{concepts, 8} {preserve, 8}  {state, 5}  {math, 6:F2}  {t["encodeTexts"], 8:F2}  {wall, 7:F2}  {gib, 8:F2}"
                        )
                    );
                    results.Add(
                        new
                        {
                            method,
                            concepts,
                            preserve,
                            cache = state,
                            mathSeconds = math,
                            timings = t,
                            wallSeconds = wall,
                            peakGiB = gib,
                        }
                    );
                }
            }
        }
        File.WriteAllText(
            Path.Combine(work, method == "rece" ? "mass-results.json" : $"mass-results-{method}.json"),
            JsonSerializer.Serialize(
                new
                {
                    machine = new
                    {
                        Environment.ProcessorCount,
                        os = System.Runtime.InteropServices.RuntimeInformation.OSDescription,
                    },
                    results,
                },
                BenchmarkOutput.Indented
            )
        );
        return 0;
    }

    private static (double Wall, ErasureReport Report) Erase(
        string fixture,
        string output,
        IReadOnlyList<string> concepts,
        string? preserveFile,
        string cache,
        string method
    )
    {
        var arguments = new List<string>
        {
            "--model",
            fixture,
            "--preset",
            method == "speed" ? "speed" : "object",
            "--out",
            output,
            "--force",
            "--patch-only",
            "--embedding-cache",
            cache,
        };
        foreach (string concept in concepts)
            arguments.AddRange(new[] { "--concept", concept });
        if (preserveFile is not null)
            arguments.AddRange(new[] { "--preserve-file", preserveFile });
        return BenchmarkFixture.Erase(arguments);
    }

    private static int[] Counts(string list) =>
        list.Split(',').Select(v => int.Parse(v, CultureInfo.InvariantCulture)).ToArray();

    private static string? Argument(string[] args, string name)
    {
        int i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? args[i + 1] : null;
    }
}

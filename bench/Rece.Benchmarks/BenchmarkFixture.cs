using System.Diagnostics;
using Rece.Erasure;
using Rece.Models.Fixtures;

namespace Rece.Benchmarks;

/// <summary>What the benchmarks share: the SD v1.4-shaped fixture and `rece erase` run in a new process.</summary>
public static class BenchmarkFixture
{
    /// <summary>The SD v1.4-shaped fixture in <paramref name="work"/>/sd-v1-4, built once (about 4.4 GB).</summary>
    public static string StableDiffusionV14(string work)
    {
        string fixture = Path.Combine(work, "sd-v1-4");
        if (File.Exists(Path.Combine(fixture, "vae", "diffusion_pytorch_model.safetensors")))
            return fixture;
        if (Directory.Exists(fixture))
            Directory.Delete(fixture, recursive: true);
        var clock = Stopwatch.StartNew();
        Console.Error.WriteLine($"building the SD v1.4-shaped fixture in {fixture} (about 4.4 GB, once)");
        RandomModelFixture.Write(fixture, FixtureKind.StableDiffusionV14, seed: 1, progress: BenchmarkOutput.Progress);
        Console.Error.WriteLine($"  done in {clock.Elapsed.TotalSeconds:F0} s");
        return fixture;
    }

    /// <summary>`rece erase ARGS --json --quiet` in a new process: its wall time and its report.</summary>
    public static (double Wall, ErasureReport Report) Erase(IEnumerable<string> arguments)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "rece.dll"));
        start.ArgumentList.Add("erase");
        foreach (var argument in arguments.Concat(new[] { "--json", "--quiet" }))
            start.ArgumentList.Add(argument);
        var clock = Stopwatch.StartNew();
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        process.WaitForExit();
        double elapsed = clock.Elapsed.TotalSeconds;
        if (process.ExitCode != 0)
            throw new InvalidOperationException($"rece erase failed ({process.ExitCode}): {stderr.Result}");
        return (elapsed, ErasureReport.Parse(stdout.Result));
    }
}

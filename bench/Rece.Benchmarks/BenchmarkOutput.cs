using System.Text.Json;

namespace Rece.Benchmarks;

/// <summary>What the benchmarks share: the JSON options they write results with, and their indented progress lines on
/// stderr.</summary>
internal static class BenchmarkOutput
{
    public static Microsoft.Extensions.Logging.ILogger Progress { get; } =
        new Rece.Cli.ConsoleProgressLogger(Console.Error, () => "  ");

    public static JsonSerializerOptions Indented { get; } = new() { WriteIndented = true };
}

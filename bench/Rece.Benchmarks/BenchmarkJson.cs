using System.Text.Json;

namespace Rece.Benchmarks;

/// <summary>The one JSON options instance the benchmarks write their results with.</summary>
internal static class BenchmarkJson
{
    public static JsonSerializerOptions Indented { get; } = new() { WriteIndented = true };
}

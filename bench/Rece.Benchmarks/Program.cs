using Rece.Benchmarks;

// Usage: dotnet run -c Release --project bench/Rece.Benchmarks -- [BENCHMARK] [options]
// BENCHMARK: erase (the default), mass, fewshot, pipeline, sampler, gpu-check (tools/gpu-check.sh).
var benchmarks = new Dictionary<string, Func<string[], int>>
{
    ["erase"] = EraseBenchmark.Run,
    ["pipeline"] = PipelineBenchmark.Run,
    ["sampler"] = SamplerBenchmark.Run,
    ["mass"] = MassBenchmark.Run,
    ["fewshot"] = FewShotBenchmark.Run,
    ["gpu-check"] = GpuCheck.Run,
};
string name = args.Length > 0 && !args[0].StartsWith('-') ? args[0] : "erase";
if (!benchmarks.TryGetValue(name, out var run))
{
    Console.Error.WriteLine($"unknown benchmark \"{name}\"; choose one of {string.Join(", ", benchmarks.Keys)}");
    return 2;
}
return run(name == args.FirstOrDefault() ? args[1..] : args);

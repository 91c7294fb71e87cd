using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Rece.Models.Fixtures;
using Rece.Serve;
using Rece.Storage;
using Rece.Testing;
using Rece.Worker;

namespace Rece.Benchmarks;

/// <summary>
/// The pipeline's own overhead against Azurite on this machine, with `rece serve`'s default polling settings and one
/// in-process GPU worker on the tiny model: (1) latency from a request accepted (the 202 of POST /api/erasures) to its
/// first GPU job starting; (2) overhead per completed erase run: the time from accepted to the status saying Completed,
/// minus the time the worker spent erasing (the engine on the compute thread). Runs are spaced by an idle gap so the
/// queues' polling has backed off as it would between real requests.
/// Measured twice: with the GPU worker inside `rece serve` (woken in-process when a job is enqueued) and with the
/// worker apart from the host, as `rece worker` runs in Azure (it finds jobs by polling the queue).
/// Options: [--runs N] [--epochs E] [--idle SECONDS] [--work DIR]; RECE_BENCH_TRACE=1 prints each job's timeline.
/// </summary>
public static class PipelineBenchmark
{
    public static int Run(string[] args) => RunAsync(args).GetAwaiter().GetResult();

    private static async Task<int> RunAsync(string[] args)
    {
        var summaries = new List<object>();
        foreach (bool external in new[] { false, true })
            summaries.Add(await MeasureAsync(args, external));
        var work = Path.GetFullPath(Argument(args, "--work") ?? ".bench");
        File.WriteAllText(
            Path.Combine(work, "pipeline-results.json"),
            JsonSerializer.Serialize(summaries, BenchmarkOutput.Indented)
        );
        return 0;
    }

    private static async Task<object> MeasureAsync(string[] args, bool externalWorker)
    {
        int runs = int.Parse(Argument(args, "--runs") ?? "10");
        int epochs = int.Parse(Argument(args, "--epochs") ?? "3");
        double idle = double.Parse(Argument(args, "--idle") ?? "3", System.Globalization.CultureInfo.InvariantCulture);
        var work = Path.GetFullPath(Argument(args, "--work") ?? ".bench");
        Directory.CreateDirectory(work);
        string scratch = Path.Combine(work, "pipeline-" + Guid.NewGuid().ToString("N")[..6]);

        await using var azurite = await AzuriteProcess.StartAsync(accounts: 1);
        var account = StorageAccount.Parse(azurite.NewAccount());
        await account.EnsureCreatedAsync();
        string model = Path.Combine(scratch, "tiny");
        RandomModelFixture.Write(model, FixtureKind.Tiny, seed: 1);
        foreach (var file in Directory.EnumerateFiles(model, "*", SearchOption.AllDirectories))
            await account
                .Container(StorageNames.Models)
                .GetBlobClient("tiny/" + Path.GetRelativePath(model, file))
                .UploadAsync(file, overwrite: true);

        string url = $"http://127.0.0.1:{AzuriteProcess.FreePort()}";
        var options = new ServeOptions
        {
            Storage = account,
            TaskHub = new TaskHubOptions { Name = "rece" },
            Urls = url,
            Workers = externalWorker ? 0 : 1,
            ModelCacheRoot = Path.Combine(scratch, "cache"),
        };
        await using var app = await ServeHost.BuildAsync(options, logging => logging.SetMinimumLevel(LogLevel.Warning));
        await app.StartAsync();
        // The external worker has its own task-hub client and is not woken by the host: as `rece worker` in another
        // process.
        using var external = externalWorker
            ? new GpuWorkerPool(
                account,
                options.TaskHub,
                1,
                new GpuWorkerOptions(),
                options.ModelCacheRoot,
                LoggerFactory.Create(l => l.SetMinimumLevel(LogLevel.Warning))
            )
            : null;
        if (external is not null)
            await external.StartAsync(CancellationToken.None);
        var pool = external ?? app.Services.GetRequiredService<GpuWorkerPool>();
        var firstJob = new ConcurrentDictionary<string, long>();
        var compute = new ConcurrentDictionary<string, double>();
        foreach (var worker in pool.Workers)
        {
            worker.JobStarted += job => firstJob.TryAdd(job.InstanceId, Stopwatch.GetTimestamp());
            worker.JobFinished += (job, _, seconds) =>
                compute.AddOrUpdate(job.InstanceId, seconds, (_, total) => total + seconds);
        }
        if (Environment.GetEnvironmentVariable("RECE_BENCH_TRACE") == "1")
        {
            long origin = Stopwatch.GetTimestamp();
            double Ms() => Stopwatch.GetElapsedTime(origin).TotalMilliseconds;
            ((GpuJobQueue)app.Services.GetRequiredService<Rece.Orchestration.Activities.IGpuJobQueue>()).Enqueued +=
                () => Console.Error.WriteLine($"{Ms(), 8:F0} enqueued");
            foreach (var worker in pool.Workers)
            {
                worker.JobStarted += job => Console.Error.WriteLine($"{Ms(), 8:F0} started epoch {job.Epoch}");
                worker.JobFinished += (job, _, _) =>
                    Console.Error.WriteLine($"{Ms(), 8:F0} finished epoch {job.Epoch} (event raised, message deleted)");
            }
        }
        using var http = new HttpClient();
        string request = $$"""{ "model": "tiny", "concepts": ["nudity"], "preset": "nudity", "epochs": {{epochs}} }""";

        async Task<(double Latency, double Overhead, double Wall, double Compute)> One()
        {
            var response = await http.PostAsync($"{url}/api/erasures", new StringContent(request));
            long accepted = Stopwatch.GetTimestamp();
            string id = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;
            while (true)
            {
                var status = await http.GetAsync($"{url}/api/erasures/{id}");
                if (status.StatusCode == System.Net.HttpStatusCode.OK)
                {
                    long done = Stopwatch.GetTimestamp();
                    var document = await status.Content.ReadFromJsonAsync<JsonElement>();
                    if (document.GetProperty("runtimeStatus").GetString() != "Completed")
                        throw new InvalidOperationException(
                            $"run {id} ended {document.GetProperty("runtimeStatus")}: {document.GetProperty("output")}"
                        );
                    double wall = Stopwatch.GetElapsedTime(accepted, done).TotalSeconds;
                    double latency = Stopwatch.GetElapsedTime(accepted, firstJob[id]).TotalSeconds;
                    double erase = compute.GetValueOrDefault(id);
                    return (latency, wall - erase, wall, erase);
                }
                await Task.Delay(20);
            }
        }

        Console.Error.WriteLine("warm-up run (model download and load; not counted)");
        var warm = await One();
        Console.Error.WriteLine($"  {warm.Wall:F2} s");
        var results = new List<(double Latency, double Overhead, double Wall, double Compute)>();
        for (int i = 0; i < runs; i++)
        {
            await Task.Delay(TimeSpan.FromSeconds(idle));
            var r = await One();
            results.Add(r);
            Console.Error.WriteLine(
                $"run {i + 1}/{runs}: first GPU job after {r.Latency * 1000:F0} ms, completed after {r.Wall:F3} s, erasing {r.Compute * 1000:F0} ms, overhead {r.Overhead:F3} s"
            );
        }
        if (external is not null)
            await external.StopAsync(CancellationToken.None);
        await app.StopAsync();

        static double Percentile(IEnumerable<double> values, double p)
        {
            var sorted = values.OrderBy(v => v).ToArray();
            double rank = p * (sorted.Length - 1);
            int lo = (int)Math.Floor(rank),
                hi = (int)Math.Ceiling(rank);
            return sorted[lo] + (sorted[hi] - sorted[lo]) * (rank - lo);
        }
        double latency = Percentile(results.Select(r => r.Latency), 0.5);
        double overhead = Percentile(results.Select(r => r.Overhead), 0.5);
        Console.WriteLine(
            $"pipeline on Azurite, `rece serve` defaults (task-hub and gpu-jobs polling at most every {options.TaskHub.MaxQueuePollingInterval.TotalSeconds:F0} s), tiny model,"
        );
        Console.WriteLine(
            externalWorker
                ? "1 GPU worker apart from the host (as `rece worker`: finds jobs by polling),"
                : "1 GPU worker inside `rece serve` (woken when the host enqueues a job),"
        );
        Console.WriteLine(
            $"UCE + {epochs} RECE epochs = {epochs + 1} GPU jobs per run, {runs} runs {idle:F0} s apart:"
        );
        Console.WriteLine(
            $"  accepted -> first GPU job started:  median {latency * 1000, 6:F0} ms   p90 {Percentile(results.Select(r => r.Latency), 0.9) * 1000, 6:F0} ms   target < 500 ms   {(latency < 0.5 ? "met" : "MISSED")}"
        );
        Console.WriteLine(
            $"  overhead per completed erase run:   median {overhead * 1000, 6:F0} ms   p90 {Percentile(results.Select(r => r.Overhead), 0.9) * 1000, 6:F0} ms   target < 500 ms   {(overhead < 0.5 ? "met" : "MISSED")}"
        );
        Console.WriteLine(
            $"    (accepted -> Completed median {Percentile(results.Select(r => r.Wall), 0.5) * 1000:F0} ms, of which erasing {Percentile(results.Select(r => r.Compute), 0.5) * 1000:F0} ms; {overhead / (epochs + 1) * 1000:F0} ms per GPU job)"
        );
        var summary = new
        {
            externalWorker,
            runs,
            epochs,
            idleSeconds = idle,
            latencySeconds = results.Select(r => r.Latency),
            overheadSeconds = results.Select(r => r.Overhead),
            wallSeconds = results.Select(r => r.Wall),
            eraseSeconds = results.Select(r => r.Compute),
            medianLatencySeconds = latency,
            medianOverheadSeconds = overhead,
        };
        try
        {
            Directory.Delete(scratch, recursive: true);
        }
        catch (IOException) { }
        return summary;
    }

    private static string? Argument(string[] args, string name)
    {
        int i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? args[i + 1] : null;
    }
}

using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;
using Rece.Erasure;
using Rece.Orchestration;
using Rece.Orchestration.Jobs;
using Rece.Storage;
using Rece.Testing;

namespace Rece.Serve.Tests;

/// <summary>Real `rece serve` and `rece worker` processes, killed (SIGKILL) in the middle of an erase run and started
/// again.</summary>
[Collection(AzuriteCollection.Name)]
public class KillAndRestartTests(AzuriteFixture azurite)
{
    private static readonly string[] NotModel = { RecePatch.FileName, ErasureReport.FileName };

    private sealed class Child : IDisposable
    {
        private readonly Process _process;

        public Child(string label, params string[] args)
        {
            var start = new ProcessStartInfo("dotnet")
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            };
            start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "rece.dll"));
            foreach (var arg in args)
                start.ArgumentList.Add(arg);
            _process = Process.Start(start)!;
            _process.OutputDataReceived += (_, e) =>
            {
                if (e.Data is not null)
                    lock (Output)
                        Output.AppendLine($"{label}: {e.Data}");
            };
            _process.ErrorDataReceived += (_, e) =>
            {
                if (e.Data is not null)
                    lock (Output)
                        Output.AppendLine($"{label}: {e.Data}");
            };
            _process.BeginOutputReadLine();
            _process.BeginErrorReadLine();
        }

        public StringBuilder Output { get; } = new();

        public void Kill()
        {
            if (_process.HasExited)
                return;
            using var byId = Process.GetProcessById(_process.Id);
            byId.Kill(entireProcessTree: true);
            byId.WaitForExit(10_000);
        }

        public void Dispose()
        {
            Kill();
            _process.Dispose();
        }
    }

    /// <remarks>
    /// The killed host's in-flight task-hub messages reappear after --hub-visibility-timeout (10 s here instead of the
    /// Durable default of 5 minutes, as a user wanting quick crash recovery would set it; the Functions app's
    /// host.json setting is controlQueueVisibilityTimeout) and the killed worker's job message after its
    /// --visibility-timeout (3 s).
    /// </remarks>
    [Fact]
    public async Task KillingServeAndTheWorkerMidRunThenRestartingCompletesWithTheSameBytes()
    {
        await using var pipeline = await PipelineHarness.CreateAsync(azurite);
        int port = AzuriteFixture.FreePort();
        string url = $"http://127.0.0.1:{port}";
        string cache = Path.Combine(pipeline.Scratch, "cache");
        string[] serveArgs =
        {
            "serve",
            "--storage",
            pipeline.ConnectionString,
            "--urls",
            url,
            "--workers",
            "0",
            "--watch-interval",
            "0.25",
            "--hub-visibility-timeout",
            "10",
        };
        string[] workerArgs =
        {
            "worker",
            "--storage",
            pipeline.ConnectionString,
            "--visibility-timeout",
            "3",
            "--model-cache",
            cache,
        };
        var log = new StringBuilder();
        var serve = new Child("serve", serveArgs);
        var worker = new Child("worker", workerArgs);
        string id;
        var committedBeforeKill = new Dictionary<string, string>();
        try
        {
            await ReadyAsync(pipeline, url);
            var response = await pipeline.Http.PostAsync(
                $"{url}/api/erasures",
                new StringContent("""{ "model": "tiny", "concepts": ["nudity"], "preset": "nudity", "epochs": 6 }""")
            );
            id = System
                .Text.Json.JsonDocument.Parse(await response.Content.ReadAsStringAsync())
                .RootElement.GetProperty("id")
                .GetString()!;
            var checkpoints = pipeline.Container(StorageNames.Checkpoints);
            await PipelineTestKit.EventuallyAsync(
                async () =>
                    await checkpoints.GetBlobClient($"{id}/run-0/epoch-1/measures.json").ExistsAsync() ? "" : null,
                TimeSpan.FromSeconds(120),
                "epoch 1 committed"
            );

            serve.Kill();
            worker.Kill();

            // At the kill: every committed checkpoint is whole; later epochs are absent or uncommitted.
            foreach (var (folder, blobs) in await pipeline.CheckpointsAsync(id))
            {
                if (blobs.Contains(CheckpointLayout.Measures))
                {
                    Assert.Equal(new[] { "measures.json", "rece-patch.safetensors", "state.safetensors" }, blobs);
                    committedBeforeKill[folder] = (
                        await checkpoints.GetBlobClient(folder + CheckpointLayout.Measures).DownloadContentAsync()
                    ).Value.Content.ToString();
                }
            }
        }
        finally
        {
            log.Append(serve.Output).Append(worker.Output);
            serve.Dispose();
            worker.Dispose();
        }

        using var serveAgain = new Child("serve-2", serveArgs);
        using var workerAgain = new Child("worker-2", workerArgs);
        ErasureStatusDocument done;
        try
        {
            await ReadyAsync(pipeline, url);
            done = await PipelineTestKit.EventuallyAsync(
                async () =>
                {
                    var document = await pipeline.WaitForStatus(url, id);
                    return document.RuntimeStatus is "Running" or "Pending" ? null : document;
                },
                TimeSpan.FromSeconds(180),
                "the instance finishing after the restart"
            );
        }
        catch (Exception e)
        {
            throw new InvalidOperationException($"{e.Message}\n{log}{serveAgain.Output}{workerAgain.Output}", e);
        }

        Assert.True(
            done.RuntimeStatus == "Completed",
            $"{done.RuntimeStatus}: {done.Output}\n{log}{serveAgain.Output}{workerAgain.Output}"
        );
        Assert.True(committedBeforeKill.Count >= 2, "the kill came after epoch 1 was committed");
        var after = await pipeline.CheckpointsAsync(id);
        Assert.Equal(Enumerable.Range(0, 7).Select(k => $"{id}/run-0/epoch-{k}/"), after.Keys.Order());
        var container = pipeline.Container(StorageNames.Checkpoints);
        foreach (var (folder, blobs) in after)
        {
            Assert.Equal(new[] { "measures.json", "rece-patch.safetensors", "state.safetensors" }, blobs);
            string markerText = (
                await container.GetBlobClient(folder + CheckpointLayout.Measures).DownloadContentAsync()
            ).Value.Content.ToString();
            if (committedBeforeKill.TryGetValue(folder, out var before))
                Assert.Equal(before, markerText);
            var marker = PipelineJson.Deserialize<CheckpointMarker>(markerText);
            foreach (var file in new[] { marker.Patch, marker.State })
            {
                var bytes = (
                    await container.GetBlobClient(BlobPath.Parse(file.Path).Name).DownloadContentAsync()
                ).Value.Content.ToArray();
                Assert.Equal(file.Sha256, Convert.ToHexStringLower(SHA256.HashData(bytes)));
            }
        }
        var output = PipelineJson.Deserialize<ErasureOutput>(done.Output!.Value.GetRawText());
        var (local, fromPipeline) = await pipeline.RebuildAsync(
            output.Runs[0].Patch!,
            new ErasureRequest
            {
                ModelDirectory = "",
                OutputDirectory = "",
                Concepts = new[] { "nudity" },
                Preset = "nudity",
                Epochs = 6,
            }
        );
        Assert.Equal(PipelineTestKit.HashTree(local, NotModel), PipelineTestKit.HashTree(fromPipeline, NotModel));
    }

    private static async Task ReadyAsync(PipelineHarness pipeline, string url) =>
        await PipelineTestKit.EventuallyAsync(
            async () =>
            {
                try
                {
                    return (await pipeline.Http.GetAsync($"{url}/api/erasures")).IsSuccessStatusCode ? "" : null;
                }
                catch (HttpRequestException)
                {
                    return null;
                }
            },
            TimeSpan.FromSeconds(60),
            "rece serve answering"
        );
}

using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Rece.Erasure;
using Rece.Orchestration;
using Rece.Orchestration.Activities;
using Rece.Orchestration.Jobs;
using Rece.Storage;
using Rece.Testing;

namespace Rece.Serve.Tests;

[Collection(AzuriteCollection.Name)]
public class ReliabilityTests(AzuriteFixture azurite)
{
    private static readonly string[] NotModel = { RecePatch.FileName, ErasureReport.FileName };

    /// <summary>Sends every job message twice: the at-least-once delivery the worker must absorb.</summary>
    private sealed class DuplicatingQueue(IGpuJobQueue inner) : IGpuJobQueue
    {
        public ConcurrentBag<GpuJob> Sent { get; } = new();

        public async Task EnqueueAsync(IGpuJobMessage job, CancellationToken cancellationToken = default)
        {
            if (job is GpuJob erase)
                Sent.Add(erase);
            await inner.EnqueueAsync(job, cancellationToken);
            await inner.EnqueueAsync(job, cancellationToken);
        }
    }

    [Fact]
    public async Task EveryJobMessageAndResultEventDeliveredTwiceChangesNothing()
    {
        await using var pipeline = await PipelineHarness.CreateAsync(azurite);
        DuplicatingQueue? duplicating = null;
        await pipeline.StartServeAsync(workers: 2, services: s =>
            s.AddSingleton<IGpuJobQueue>(_ => duplicating = new DuplicatingQueue(new GpuJobQueue(pipeline.Account)))
        );
        // The same request blob dropped twice (a second upload: new ETag, same content), and delivered to the intake
        // twice.
        const string request = """{ "model": "tiny", "concepts": ["nudity"], "preset": "nudity", "epochs": 2 }""";
        var blob = pipeline.Container(StorageNames.Requests).GetBlobClient("twice.json");
        await blob.UploadAsync(BinaryData.FromString(request));
        var first = await pipeline.WaitForResultDocumentAsync("twice.json", TimeSpan.FromSeconds(120));
        await blob.UploadAsync(BinaryData.FromString(request), overwrite: true);
        var intake = new Rece.Api.ErasureIntake(pipeline.Account, new GpuJobPolicy());
        var again = await intake.StartFromBlobAsync(
            new TaskHubDurableClient(
                TaskHub.CreateService(pipeline.Account, new TaskHubOptions { Name = "rece" }),
                "rece"
            ),
            "twice.json",
            BinaryData.FromString(request),
            "\"other\""
        );
        Assert.Equal(Rece.Api.IntakeOutcome.AlreadyStarted, again.Outcome);
        Assert.Equal(first.InstanceId, again.InstanceId);
        await Task.Delay(1000);

        Assert.Equal("Completed", first.RuntimeStatus);
        var instances = await pipeline.Http.GetFromJsonAsync<JsonElement>($"{pipeline.BaseUrl}/api/erasures");
        Assert.Equal(1, instances.GetProperty("instances").GetArrayLength());
        Assert.Equal(3, duplicating!.Sent.Count);
        var checkpoints = await pipeline.CheckpointsAsync(first.InstanceId!);
        Assert.Equal(3, checkpoints.Count);
        Assert.All(checkpoints.Values, blobs =>
            Assert.Equal(new[] { "measures.json", "rece-patch.safetensors", "state.safetensors" }, blobs)
        );
        // Both deliveries of each job were handled (one computed and committed, the other raised the same result
        // again).
        await PipelineTestKit.EventuallyAsync(
            async () => (await pipeline.Account.GpuJobs.PeekMessagesAsync()).Value.Length == 0 ? "" : null,
            TimeSpan.FromSeconds(30),
            "gpu-jobs draining"
        );
        var output = PipelineJson.Deserialize<ErasureOutput>(first.Output!.Value.GetRawText());
        var (local, fromPipeline) = await pipeline.RebuildAsync(
            output.Runs[0].Patch!,
            new ErasureRequest
            {
                ModelDirectory = "",
                OutputDirectory = "",
                Concepts = new[] { "nudity" },
                Preset = "nudity",
                Epochs = 2,
            }
        );
        Assert.Equal(PipelineTestKit.HashTree(local, NotModel), PipelineTestKit.HashTree(fromPipeline, NotModel));
        var final = await pipeline.WaitForResultDocumentAsync("twice.json", TimeSpan.FromSeconds(5));
        Assert.Equal(first.Output!.Value.GetRawText(), final.Output!.Value.GetRawText());
    }

    [Fact]
    public async Task TwentyRequestsSubmittedAtOnceWithTwoWorkersAllComplete()
    {
        await using var pipeline = await PipelineHarness.CreateAsync(azurite);
        await pipeline.StartServeAsync(workers: 2);
        var ids = await Task.WhenAll(
            Enumerable
                .Range(0, 20)
                .Select(i =>
                    pipeline.SubmitAsync($$"""{ "model": "tiny", "concepts": ["concept {{i}}"], "epochs": 1 }""")
                )
        );
        Assert.Equal(20, ids.Distinct().Count());

        var results = await Task.WhenAll(ids.Select(id => pipeline.WaitForAsync(id, TimeSpan.FromSeconds(240))));

        Assert.All(results, r => Assert.Equal("Completed", r.RuntimeStatus));
        foreach (var result in results)
        {
            var output = PipelineJson.Deserialize<ErasureOutput>(result.Output!.Value.GetRawText());
            Assert.Equal(new[] { 0, 1 }, output.Runs.Single().Epochs.Select(e => e.Epoch));
            Assert.Equal($"concept {Array.IndexOf(ids, result.InstanceId)}", output.Runs[0].Settings.Concepts.Single());
        }
        var completed = await pipeline.Http.GetFromJsonAsync<JsonElement>(
            $"{pipeline.BaseUrl}/api/erasures?runtimeStatus=Completed&top=50"
        );
        Assert.Equal(
            ids.Order(),
            completed
                .GetProperty("instances")
                .EnumerateArray()
                .Select(i => i.GetProperty("instanceId").GetString())
                .Order()
        );
        Assert.Empty((await pipeline.Account.GpuJobs.PeekMessagesAsync()).Value);
    }

    [Fact]
    public async Task TheHttpApiFollowsTheDurableContract()
    {
        await using var pipeline = await PipelineHarness.CreateAsync(azurite);
        await pipeline.StartServeAsync(workers: 0, jobs: new GpuJobPolicy { TimeoutSeconds = 600 });
        var http = pipeline.Http;
        string api = $"{pipeline.BaseUrl}/api/erasures";

        var bad = await http.PostAsync(api, new StringContent("""{ "model": "tiny", "concepts": ["x"], "reg": -1 }"""));
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        Assert.Equal("application/problem+json", bad.Content.Headers.ContentType!.MediaType);
        var problem = await bad.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("reg", problem.GetProperty("errors")[0].GetProperty("field").GetString());
        var noModel = await http.PostAsync(api, new StringContent("""{ "model": "absent", "concepts": ["x"] }"""));
        Assert.Equal(HttpStatusCode.BadRequest, noModel.StatusCode);
        Assert.Contains("absent/", await noModel.Content.ReadAsStringAsync());
        Assert.Empty((await http.GetFromJsonAsync<JsonElement>(api)).GetProperty("instances").EnumerateArray());

        // No workers: the instance waits for its first GPU job.
        var accepted = await http.PostAsync(api, new StringContent("""{ "model": "tiny", "concepts": ["cat"] }"""));
        Assert.Equal(HttpStatusCode.Accepted, accepted.StatusCode);
        var links = await accepted.Content.ReadFromJsonAsync<JsonElement>();
        string id = links.GetProperty("id").GetString()!;
        Assert.Equal($"{api}/{id}", accepted.Headers.Location!.ToString());
        Assert.NotNull(accepted.Headers.RetryAfter);
        Assert.Equal($"{api}/{id}", links.GetProperty("statusQueryGetUri").GetString());
        Assert.Equal($"{api}/{id}/terminate?reason={{text}}", links.GetProperty("terminatePostUri").GetString());
        Assert.Equal($"{api}/{id}", links.GetProperty("purgeHistoryDeleteUri").GetString());
        Assert.Equal($"{api}/{id}/events/{{eventName}}", links.GetProperty("sendEventPostUri").GetString());

        await PipelineTestKit.EventuallyAsync(
            async () => (await pipeline.Account.GpuJobs.PeekMessagesAsync()).Value.Length > 0 ? "" : null,
            TimeSpan.FromSeconds(30),
            "the first GPU job"
        );
        var running = await http.GetAsync($"{api}/{id}");
        Assert.Equal(HttpStatusCode.Accepted, running.StatusCode);
        var status = await running.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("Running", status.GetProperty("runtimeStatus").GetString());
        Assert.Equal(1, status.GetProperty("customStatus").GetProperty("runsTotal").GetInt32());
        Assert.Equal("tiny", status.GetProperty("input").GetProperty("request").GetProperty("model").GetString());
        Assert.Equal(HttpStatusCode.Conflict, (await http.DeleteAsync($"{api}/{id}")).StatusCode);

        Assert.Equal(HttpStatusCode.NotFound, (await http.GetAsync($"{api}/nope")).StatusCode);
        var filtered = await http.GetFromJsonAsync<JsonElement>($"{api}?runtimeStatus=Completed");
        Assert.Empty(filtered.GetProperty("instances").EnumerateArray());
        var listed = await http.GetFromJsonAsync<JsonElement>(
            $"{api}?runtimeStatus=Running,Pending&createdTimeFrom={DateTime.UtcNow.AddMinutes(-5):O}&top=10"
        );
        Assert.Equal(
            id,
            Assert.Single(listed.GetProperty("instances").EnumerateArray()).GetProperty("instanceId").GetString()
        );
        Assert.Equal(HttpStatusCode.BadRequest, (await http.GetAsync($"{api}?runtimeStatus=Sleeping")).StatusCode);

        Assert.Equal(
            HttpStatusCode.Accepted,
            (await http.PostAsync($"{api}/{id}/terminate?reason=test", null)).StatusCode
        );
        var terminated = await pipeline.WaitForAsync(id, TimeSpan.FromSeconds(30));
        Assert.Equal("Terminated", terminated.RuntimeStatus);
        Assert.Equal(HttpStatusCode.Gone, (await http.PostAsync($"{api}/{id}/terminate", null)).StatusCode);

        // Purge keeps the outputs unless asked.
        await pipeline
            .Container(StorageNames.Checkpoints)
            .UploadBlobAsync($"{id}/run-0/epoch-0/measures.json", BinaryData.FromString("{}"));
        var purged = await http.DeleteAsync($"{api}/{id}");
        Assert.Equal(HttpStatusCode.OK, purged.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await http.GetAsync($"{api}/{id}")).StatusCode);
        Assert.Single(await PipelineTestKit.ListAsync(pipeline.Container(StorageNames.Checkpoints), id + "/"));
    }

    [Fact]
    public async Task PurgeWithDeleteOutputsRemovesTheCheckpointsAndReport()
    {
        await using var pipeline = await PipelineHarness.CreateAsync(azurite);
        await pipeline.StartServeAsync(workers: 1);
        string id = await pipeline.SubmitAsync(
            """{ "model": "tiny", "concepts": ["cat"], "method": "uce", "output": "published/cat" }"""
        );
        var done = await pipeline.WaitForAsync(id, TimeSpan.FromSeconds(60));
        var output = PipelineJson.Deserialize<ErasureOutput>(done.Output!.Value.GetRawText());
        Assert.Equal("erasure-results/published/cat/run-0/rece-patch.safetensors", output.Published!.Patches["run-0"]);
        Assert.Equal(
            2,
            (await PipelineTestKit.ListAsync(pipeline.Container(StorageNames.Results), "published/cat/")).Count
        );

        var purged = await pipeline.Http.DeleteAsync($"{pipeline.BaseUrl}/api/erasures/{id}?deleteOutputs=true");

        Assert.Equal(HttpStatusCode.OK, purged.StatusCode);
        Assert.Empty(await PipelineTestKit.ListAsync(pipeline.Container(StorageNames.Checkpoints), id + "/"));
        Assert.Empty(await PipelineTestKit.ListAsync(pipeline.Container(StorageNames.Reports), id + "/"));
        Assert.Empty(await PipelineTestKit.ListAsync(pipeline.Container(StorageNames.Results), "published/cat/"));
    }

    [Fact]
    public async Task AJobDequeuedTooOftenFailsItsRunWithTheErrorRecordedAndLeavesTheQueueEmpty()
    {
        await using var pipeline = await PipelineHarness.CreateAsync(azurite);
        await pipeline.StartServeAsync(workers: 0);
        string id = await pipeline.SubmitAsync("""{ "model": "tiny", "concepts": ["cat"], "method": "uce" }""");
        // A state blob with other bytes than the job computes: the worker may not overwrite it, so every try fails.
        await pipeline
            .Container(StorageNames.Checkpoints)
            .UploadBlobAsync($"{id}/run-0/epoch-0/state.safetensors", BinaryData.FromString("other bytes"));
        using var loggers = Microsoft.Extensions.Logging.LoggerFactory.Create(_ => { });
        using var pool = new Rece.Worker.GpuWorkerPool(
            pipeline.Account,
            new TaskHubOptions { Name = "rece" },
            1,
            new Rece.Worker.GpuWorkerOptions { MaxDequeueCount = 1, VisibilityTimeout = TimeSpan.FromSeconds(10) },
            Path.Combine(pipeline.Scratch, "cache"),
            loggers
        );
        await pool.StartAsync(CancellationToken.None);

        var done = await pipeline.WaitForAsync(id, TimeSpan.FromSeconds(60));
        await pool.StopAsync(CancellationToken.None);

        Assert.Equal("Failed", done.RuntimeStatus);
        string reason = done.Output!.Value.GetString()!;
        Assert.Contains("run-0: epoch 0: the job's message was dequeued 2 times", reason);
        Assert.Contains("already exists with other content", reason);
        Assert.Empty((await pipeline.Account.GpuJobs.PeekMessagesAsync()).Value);
        var status = PipelineJson.Deserialize<ErasureProgressStatus>(done.CustomStatus!.Value.GetRawText());
        Assert.Equal((0, 1, 1), (status.RunsCompleted, status.RunsFailed, status.RunsTotal));
    }
}

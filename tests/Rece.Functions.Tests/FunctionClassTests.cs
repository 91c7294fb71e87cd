using System.Collections.Concurrent;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Routing;
using Microsoft.DurableTask.Client;
using Microsoft.DurableTask.Testing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging.Abstractions;
using Rece.Api;
using Rece.Orchestration;
using Rece.Orchestration.Activities;
using Rece.Orchestration.Jobs;
using Rece.Storage;
using Rece.Testing;

namespace Rece.Functions.Tests;

/// <summary>The functions as classes: what the host would call, with a task hub and storage in Azurite (no Functions
/// host here).</summary>
[Collection(AzuriteCollection.Name)]
public class FunctionClassTests(AzuriteFixture azurite)
{
    private static readonly IServiceProvider Services = new ServiceCollection().AddLogging().BuildServiceProvider();

    private async Task<(StorageAccount Account, ErasureIntake Intake, TaskHubDurableClient Client)> SetUpAsync()
    {
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(
                new Dictionary<string, string?>
                {
                    ["AzureWebJobsStorage"] = azurite.NewAccount(),
                    ["RECE_JOB_TIMEOUT_SECONDS"] = "120",
                }
            )
            .Build();
        var account = FunctionsSettings.Storage(configuration);
        await account.EnsureCreatedAsync();
        await account
            .Container(StorageNames.Models)
            .UploadBlobAsync("tiny/model_index.json", BinaryData.FromString("{}"));
        var service = TaskHub.CreateService(account, new TaskHubOptions { Name = "functest" });
        await service.CreateIfNotExistsAsync();
        return (
            account,
            new ErasureIntake(account, JobSettingsOf(configuration).Policy()),
            new TaskHubDurableClient(service, "functest")
        );
    }

    /// <summary>The settings as the app binds and validates them at start-up.</summary>
    private static JobSettings JobSettingsOf(IConfiguration configuration)
    {
        var services = new ServiceCollection().AddSingleton(configuration);
        JobSettings.AddJobSettings(services);
        return services
            .BuildServiceProvider()
            .GetRequiredService<Microsoft.Extensions.Options.IOptions<JobSettings>>()
            .Value;
    }

    [Fact]
    public void JobSettingsAreBoundAndABadValueStopsTheHostNamingTheSetting()
    {
        var good = new ConfigurationBuilder()
            .AddInMemoryCollection(
                new Dictionary<string, string?> { ["RECE_JOB_TIMEOUT_SECONDS"] = "120", ["RECE_JOB_ATTEMPTS"] = "5" }
            )
            .Build();
        var policy = JobSettingsOf(good).Policy();
        Assert.Equal((120, 5, 86400), (policy.TimeoutSeconds, policy.MaxAttempts, policy.QueueTimeoutSeconds));

        // Before, a bad value was silently replaced by the default.
        var bad = new ConfigurationBuilder()
            .AddInMemoryCollection(
                new Dictionary<string, string?>
                {
                    ["RECE_JOB_ATTEMPTS"] = "three",
                    ["RECE_JOB_QUEUE_TIMEOUT_SECONDS"] = "-1",
                }
            )
            .Build();
        var builder = Host.CreateApplicationBuilder();
        builder.Services.AddSingleton<IConfiguration>(bad);
        JobSettings.AddJobSettings(builder.Services);
        using var host = builder.Build();
        var error = Assert.Throws<Microsoft.Extensions.Options.OptionsValidationException>(() =>
            host.StartAsync().GetAwaiter().GetResult()
        );
        Assert.Contains("RECE_JOB_ATTEMPTS must be a positive whole number, got \"three\"", error.Message);
        Assert.Contains("RECE_JOB_QUEUE_TIMEOUT_SECONDS", error.Message);
    }

    private static HttpRequest Request(string method, string path, string body = "")
    {
        var context = new DefaultHttpContext { RequestServices = Services };
        context.Request.Method = method;
        context.Request.Scheme = "https";
        context.Request.Host = new HostString("rece.example");
        context.Request.Path = path;
        context.Request.Body = new MemoryStream(Encoding.UTF8.GetBytes(body));
        context.Response.Body = new MemoryStream();
        return context.Request;
    }

    private static async Task<(int Status, JsonElement Body)> Execute(IActionResult result, HttpRequest request)
    {
        await result.ExecuteResultAsync(
            new ActionContext(
                request.HttpContext,
                new RouteData(),
                new Microsoft.AspNetCore.Mvc.Abstractions.ActionDescriptor()
            )
        );
        request.HttpContext.Response.Body.Position = 0;
        using var document = JsonDocument.Parse(request.HttpContext.Response.Body);
        return (request.HttpContext.Response.StatusCode, document.RootElement.Clone());
    }

    [Fact]
    public async Task TheHttpFunctionsStartAndReportAnInstance()
    {
        var (account, intake, client) = await SetUpAsync();
        var functions = new HttpFunctions(new ErasureApi(account, intake));

        var post = Request("POST", "/api/erasures", """{"model": "tiny", "concepts": ["nudity"]}""");
        var (status, links) = await Execute(await functions.StartErasure(post, client), post);
        Assert.Equal(202, status);
        string id = links.GetProperty("id").GetString()!;
        Assert.Equal($"https://rece.example/api/erasures/{id}", links.GetProperty("statusQueryGetUri").GetString());
        Assert.Equal(
            120,
            PipelineJson
                .Deserialize<ErasureInput>((await client.GetInstanceAsync(id, true))!.SerializedInput!)
                .Jobs.TimeoutSeconds
        );

        var get = Request("GET", $"/api/erasures/{id}");
        var (getStatus, document) = await Execute(await functions.GetErasure(get, client, id), get);
        Assert.Equal(202, getStatus);
        Assert.Equal(id, document.GetProperty("instanceId").GetString());

        var bad = Request("POST", "/api/erasures", """{"model": "tiny"}""");
        Assert.Equal(400, (await Execute(await functions.StartErasure(bad, client), bad)).Status);
        var list = Request("GET", "/api/erasures");
        var (_, listed) = await Execute(await functions.ListErasures(list, client), list);
        Assert.Equal(
            id,
            Assert.Single(listed.GetProperty("instances").EnumerateArray()).GetProperty("instanceId").GetString()
        );
        var terminate = Request("POST", $"/api/erasures/{id}/terminate");
        await functions.TerminateErasure(terminate, client, id);
        var purge = Request("DELETE", $"/api/erasures/{id}");
        Assert.Equal(409, (await Execute(await functions.PurgeErasure(purge, client, id), purge)).Status);
    }

    [Fact]
    public async Task TheHttpFunctionsPassTheQueryValuesTheEndpointsBindByName()
    {
        var (account, intake, client) = await SetUpAsync();
        var functions = new HttpFunctions(new ErasureApi(account, intake));
        var post = Request("POST", "/api/erasures", """{"model": "tiny", "concepts": ["nudity"]}""");
        string id = (await Execute(await functions.StartErasure(post, client), post))
            .Body.GetProperty("id")
            .GetString()!;

        var bad = Request("GET", "/api/erasures");
        bad.QueryString = new QueryString("?top=abc&runtimeStatus=Sleeping");
        var (status, problem) = await Execute(await functions.ListErasures(bad, client), bad);
        Assert.Equal(400, status);
        var fields = problem.GetProperty("errors").EnumerateArray().Select(e => e.GetProperty("field").GetString());
        Assert.Equal(["runtimeStatus", "top"], fields.Order());
        var pending = Request("GET", "/api/erasures");
        pending.QueryString = new QueryString("?runtimeStatus=Completed&runtimeStatus=Pending");
        var (_, listed) = await Execute(await functions.ListErasures(pending, client), pending);
        Assert.Equal(
            id,
            Assert.Single(listed.GetProperty("instances").EnumerateArray()).GetProperty("instanceId").GetString()
        );
        var completed = Request("GET", "/api/erasures");
        completed.QueryString = new QueryString("?runtimeStatus=Completed");
        var (_, none) = await Execute(await functions.ListErasures(completed, client), completed);
        Assert.Empty(none.GetProperty("instances").EnumerateArray());
    }

    [Fact]
    public async Task TheEvaluationActivityFunctionsPutTheirJobsOnTheGpuQueueAsTheWorkerReadsThem()
    {
        var (account, _, _) = await SetUpAsync();
        var functions = new DurableFunctions(new GpuJobQueue(account), new ErasureOutputs(account));
        var request = Orchestration.Requests.PipelineRequestParser.Parse(
            """{"model": "tiny", "concepts": ["nudity"], "method": "uce", "evaluation": {"suite": "nudity", "limit": 2, "shards": 2}}"""
        );
        var plan = Orchestration.Planning.EvaluationPlan.Create(
            Orchestration.Planning.ErasurePlan.Expand(request),
            request.Evaluation!
        );
        var shard = plan.Job(
            "inst",
            "tiny",
            plan.ShardsOf(plan.Checkpoints[1])[1],
            1,
            new DateTime(2026, 1, 1, 0, 0, 0, DateTimeKind.Utc)
        );
        var fanIn = new EvaluationReportJob
        {
            JobId = EvaluationReportJob.IdOf("inst", "run-0"),
            InstanceId = "inst",
            Attempt = 1,
            EventName = EvaluationReportJob.EventNameOf("run-0", 1),
            Run = "run-0",
            Suite = "nudity",
            Shards = new Dictionary<string, int> { ["nudity"] = 2 },
            Baseline = new CheckpointReports { Checkpoint = "baseline" },
            Candidates = Array.Empty<CheckpointReports>(),
            Choose = false,
            Rules = new ChoiceRules(1.0, false),
        };

        Assert.Equal("inst/evaluation/run-0/epoch-0/nudity/shard-2", await functions.EnqueueEvaluationShard(shard));
        Assert.Equal("inst/evaluation/run-0/choice", await functions.EnqueueEvaluationReport(fanIn));

        var messages = (await account.GpuJobs.ReceiveMessagesAsync(10))
            .Value.Select(m => GpuJobMessages.Parse(m.MessageText))
            .ToList();
        Assert.Equal(2, messages.Count);
        Assert.Equal(
            PipelineJson.Serialize(shard),
            PipelineJson.Serialize(Assert.IsType<EvaluationShardJob>(messages[0]))
        );
        Assert.Equal(
            PipelineJson.Serialize(fanIn),
            PipelineJson.Serialize(Assert.IsType<EvaluationReportJob>(messages[1]))
        );
    }

    [Fact]
    public async Task TheBlobTriggerStartsOneInstancePerRequestBlobAndAnswersAMalformedOneWithAFailedResult()
    {
        var (account, intake, client) = await SetUpAsync();
        var trigger = new ErasureRequestBlobTrigger(intake, NullLogger<ErasureRequestBlobTrigger>.Instance);
        var requests = account.Container(StorageNames.Requests);
        var good = requests.GetBlobClient("good.json");
        await good.UploadAsync(BinaryData.FromString("""{"model": "tiny", "concepts": ["cat"]}"""));
        var bad = requests.GetBlobClient("bad.json");
        await bad.UploadAsync(BinaryData.FromString("""{"model": "tiny", "concepts": ["cat"], "reg": "high"}"""));

        await trigger.Run(good, "good.json", client, CancellationToken.None);
        await trigger.Run(good, "good.json", client, CancellationToken.None);
        await trigger.Run(bad, "bad.json", client, CancellationToken.None);

        var instances = new List<OrchestrationMetadata>();
        await foreach (
            var instance in client.GetAllInstancesAsync(new OrchestrationQuery { FetchInputsAndOutputs = true })
        )
            instances.Add(instance);
        var started = Assert.Single(instances);
        Assert.Equal("good.json", PipelineJson.Deserialize<ErasureInput>(started.SerializedInput!).Source.ResultBlob);
        var result = PipelineJson.Deserialize<ErasureStatusDocument>(
            (
                await account.Container(StorageNames.Results).GetBlobClient("bad.json").DownloadContentAsync()
            ).Value.Content.ToString()
        );
        Assert.Equal("Failed", result.RuntimeStatus);
        Assert.Equal("reg", Assert.Single(result.Errors!).Field);
        Assert.True(await bad.ExistsAsync());
    }

    [Fact]
    public async Task TheEventGridQueueTriggerStartsTheRequestBlobsItsEventsName()
    {
        var (account, intake, client) = await SetUpAsync();
        var trigger = new ErasureRequestEventTrigger(intake, NullLogger<ErasureRequestEventTrigger>.Instance);
        await account
            .Container(StorageNames.Requests)
            .GetBlobClient("team/good.json")
            .UploadAsync(BinaryData.FromString("""{"model": "tiny", "concepts": ["cat"]}"""));
        static string Created(string blob) =>
            $$"""{"subject":"/blobServices/default/containers/erasure-requests/blobs/{{blob}}","eventType":"Microsoft.Storage.BlobCreated","data":{ } }""";

        await trigger.Run(Created("team/good.json"), client, CancellationToken.None);
        await trigger.Run(
            Convert.ToBase64String(Encoding.UTF8.GetBytes(Created("team/good.json"))),
            client,
            CancellationToken.None
        );
        await trigger.Run(Created("deleted-since.json"), client, CancellationToken.None);
        await Assert.ThrowsAsync<FormatException>(() => trigger.Run("garbage", client, CancellationToken.None));

        var instances = new List<OrchestrationMetadata>();
        await foreach (
            var instance in client.GetAllInstancesAsync(new OrchestrationQuery { FetchInputsAndOutputs = true })
        )
            instances.Add(instance);
        var started = Assert.Single(instances);
        Assert.Equal(
            "team/good.json",
            PipelineJson.Deserialize<ErasureInput>(started.SerializedInput!).Source.ResultBlob
        );
    }

    /// <summary>A body with no Content-Length (chunked) of <paramref name="length"/> spaces, read through the Functions
    /// route.</summary>
    private static HttpRequest Chunked(string path, int length)
    {
        var request = Request("POST", path);
        request.Body = new MemoryStream(Encoding.ASCII.GetBytes(new string(' ', length)));
        Assert.Null(request.ContentLength);
        return request;
    }

    [Fact]
    public async Task TheHttpFunctionsCapChunkedBodiesAndRefuseForgedJobResults()
    {
        var (account, intake, client) = await SetUpAsync();
        var functions = new HttpFunctions(new ErasureApi(account, intake));

        var big = Chunked("/api/erasures", 5 << 20);
        Assert.Equal(413, (await Execute(await functions.StartErasure(big, client), big)).Status);
        var post = Request("POST", "/api/erasures", """{"model": "tiny", "concepts": ["nudity"]}""");
        string id = (await Execute(await functions.StartErasure(post, client), post))
            .Body.GetProperty("id")
            .GetString()!;
        string forgedName = GpuJob.EventNameOf("run-0", 0, 1);
        var forged = Request("POST", $"/api/erasures/{id}/events/{forgedName}", """{"succeeded": true}""");
        var (status, problem) = await Execute(
            await functions.RaiseErasureEvent(forged, client, id, forgedName),
            forged
        );
        Assert.Equal(403, status);
        Assert.Equal("Reserved event name", problem.GetProperty("title").GetString());
        var bigEvent = Chunked($"/api/erasures/{id}/events/approve", 5 << 20);
        Assert.Equal(
            413,
            (await Execute(await functions.RaiseErasureEvent(bigEvent, client, id, "approve"), bigEvent)).Status
        );
    }

    [Fact]
    public async Task TheQueueTriggerRefusesAnAnnouncedTooLargeBlobUnreadAndTriesEveryBlobOfAMessage()
    {
        var (account, intake, client) = await SetUpAsync();
        var trigger = new ErasureRequestEventTrigger(intake, NullLogger<ErasureRequestEventTrigger>.Instance);
        await account
            .Container(StorageNames.Requests)
            .GetBlobClient("good.json")
            .UploadAsync(BinaryData.FromString("""{"model": "tiny", "concepts": ["cat"]}"""));
        await account
            .Container(StorageNames.Requests)
            .GetBlobClient("fails.json")
            .UploadAsync(BinaryData.FromString("""{"model": "tiny"}"""));
        // fails.json's Failed result cannot be written over a leased blob: taking it throws.
        var blocked = account.Container(StorageNames.Results).GetBlobClient("fails.json");
        await blocked.UploadAsync(BinaryData.FromString("{}"));
        await Azure
            .Storage.Blobs.Specialized.SpecializedBlobExtensions.GetBlobLeaseClient(blocked)
            .AcquireAsync(TimeSpan.FromSeconds(-1));
        static string Created(string blob, long length) =>
            $$$"""{"subject":"/blobServices/default/containers/erasure-requests/blobs/{{{blob}}}","eventType":"Microsoft.Storage.BlobCreated","data":{"contentLength": {{{length}}}}}""";
        string message = $"[{Created("huge.json", 5L << 20)},{Created("fails.json", 17)},{Created("good.json", 38)}]";

        await Assert.ThrowsAsync<AggregateException>(() => trigger.Run(message, client, CancellationToken.None));

        var huge = PipelineJson.Deserialize<ErasureStatusDocument>(
            (
                await account.Container(StorageNames.Results).GetBlobClient("huge.json").DownloadContentAsync()
            ).Value.Content.ToString()
        );
        Assert.Equal("Failed", huge.RuntimeStatus);
        Assert.Contains("not read", Assert.Single(huge.Errors!).Message);
        var instances = new List<OrchestrationMetadata>();
        await foreach (
            var instance in client.GetAllInstancesAsync(new OrchestrationQuery { FetchInputsAndOutputs = true })
        )
            instances.Add(instance);
        Assert.Equal(
            "good.json",
            PipelineJson.Deserialize<ErasureInput>(Assert.Single(instances).SerializedInput!).Source.ResultBlob
        );
    }

    private sealed class Recorder : IGpuJobQueue, IErasureOutputs
    {
        public ConcurrentQueue<GpuJob> Jobs { get; } = new();
        public DurableTaskClient? Client { get; set; }

        public async Task EnqueueAsync(IGpuJobMessage message, CancellationToken cancellationToken = default)
        {
            var job = (GpuJob)message;
            Jobs.Enqueue(job);
            var checkpoint = new CheckpointInfo(
                job.Epoch,
                job.Checkpoint,
                job.Checkpoint + CheckpointLayout.Patch,
                job.Checkpoint + CheckpointLayout.State,
                new[] { new StageMeasure("uce", 0.5, 0.01, 0.1, 0.01) }
            );
            await Client!.RaiseEventAsync(
                job.InstanceId,
                job.EventName,
                GpuJobResult.Success(job, checkpoint, "test", false),
                cancellationToken
            );
        }

        public Task<ReportWritten> WriteReportAsync(ReportWrite write, CancellationToken cancellationToken = default) =>
            Task.FromResult(new ReportWritten("reports/x/report.json", null));

        public Task WriteResultAsync(ResultWrite write, CancellationToken cancellationToken = default) =>
            Task.CompletedTask;

        public Task<CheckpointVerdict> VerifyCheckpointAsync(
            CheckpointCheck check,
            CancellationToken cancellationToken = default
        ) =>
            Task.FromResult(
                new CheckpointVerdict(
                    new CheckpointInfo(
                        0,
                        check.Checkpoint,
                        check.Checkpoint + CheckpointLayout.Patch,
                        check.Checkpoint + CheckpointLayout.State,
                        new[] { new StageMeasure("uce", 0.5, 0.01, 0.1, 0.01) }
                    ),
                    null
                )
            );
    }

    [Fact]
    public async Task TheOrchestratorAndActivityFunctionsRunTheSharedClasses()
    {
        var recorder = new Recorder();
        var functions = new DurableFunctions(recorder, recorder);
        await using var host = await DurableTaskTestHost.StartAsync(registry =>
        {
            registry.AddOrchestratorFunc<ErasureInput, ErasureOutput>(TaskNames.ErasureOrchestrator, (context, _) =>
                functions.ErasureOrchestrator(context)
            );
            registry.AddActivityFunc<GpuJob, string>(TaskNames.EnqueueGpuJob, (_, job) => functions.EnqueueGpuJob(job));
            registry.AddActivityFunc<ReportWrite, ReportWritten>(TaskNames.WriteErasureReport, (_, write) =>
                functions.WriteErasureReport(write)
            );
            registry.AddActivityFunc<ResultWrite, string>(TaskNames.WriteErasureResult, (_, write) =>
                functions.WriteErasureResult(write)
            );
            registry.AddActivityFunc<CheckpointCheck, CheckpointVerdict>(TaskNames.VerifyCheckpoint, (_, check) =>
                functions.VerifyCheckpoint(check)
            );
        });
        recorder.Client = host.Client;
        var input = new ErasureInput
        {
            Request = Orchestration.Requests.PipelineRequestParser.Parse(
                """{"model": "m", "concepts": ["c"], "epochs": 2}"""
            ),
        };

        string id = await host.Client.ScheduleNewOrchestrationInstanceAsync(TaskNames.ErasureOrchestrator, input);
        var done = await host.Client.WaitForInstanceCompletionAsync(
            id,
            getInputsAndOutputs: true,
            new CancellationTokenSource(TimeSpan.FromSeconds(60)).Token
        );

        Assert.Equal(OrchestrationRuntimeStatus.Completed, done.RuntimeStatus);
        Assert.Equal(new[] { 0, 1, 2 }, recorder.Jobs.Select(j => j.Epoch));
        Assert.EndsWith(
            "/run-0/epoch-2/rece-patch.safetensors",
            PipelineJson.Deserialize<ErasureOutput>(done.SerializedOutput!).Runs[0].Patch
        );
    }
}

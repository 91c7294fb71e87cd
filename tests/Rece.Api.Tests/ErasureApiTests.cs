using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.DependencyInjection;
using Rece.Orchestration;
using Rece.Storage;
using Rece.Testing;

namespace Rece.Api.Tests;

/// <summary>The API handlers as the Functions app calls them (an HttpRequest in, an IResult out), on a task hub in
/// Azurite with no host running it.</summary>
[Collection(AzuriteCollection.Name)]
public class ErasureApiTests(AzuriteFixture azurite)
{
    private static readonly IServiceProvider Services = new ServiceCollection().AddLogging().BuildServiceProvider();

    private async Task<(
        StorageAccount Account,
        ErasureApi Api,
        ErasureIntake Intake,
        TaskHubDurableClient Client
    )> SetUpAsync()
    {
        var account = StorageAccount.Parse(azurite.NewAccount());
        await account.EnsureCreatedAsync();
        await account
            .Container(StorageNames.Models)
            .UploadBlobAsync("tiny/model_index.json", BinaryData.FromString("{}"));
        var service = TaskHub.CreateService(account, new TaskHubOptions { Name = "apitest" });
        await service.CreateIfNotExistsAsync();
        var intake = new ErasureIntake(account, new GpuJobPolicy { TimeoutSeconds = 60 });
        return (account, new ErasureApi(account, intake), intake, new TaskHubDurableClient(service, "apitest"));
    }

    /// <summary>A request as the Functions host hands it over: host name, the /api route prefix, a body.</summary>
    private static HttpRequest Request(string method, string path, string? body = null, string query = "")
    {
        var context = new DefaultHttpContext { RequestServices = Services };
        context.Request.Method = method;
        context.Request.Scheme = "https";
        context.Request.Host = new HostString("rece-func.azurewebsites.net");
        context.Request.Path = path;
        context.Request.QueryString = new QueryString(query);
        context.Request.Body = new MemoryStream(Encoding.UTF8.GetBytes(body ?? ""));
        context.Response.Body = new MemoryStream();
        return context.Request;
    }

    private static async Task<(int Status, JsonElement Body, IHeaderDictionary Headers)> Execute(
        IResult result,
        HttpRequest request
    )
    {
        var context = request.HttpContext;
        await result.ExecuteAsync(context);
        context.Response.Body.Position = 0;
        string text = await new StreamReader(context.Response.Body).ReadToEndAsync();
        return (
            context.Response.StatusCode,
            text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone(),
            context.Response.Headers
        );
    }

    [Fact]
    public async Task StartAnswers202WithTheManagementLinksOnTheCallersHost()
    {
        var (_, api, _, client) = await SetUpAsync();
        var request = Request(
            "POST",
            "/api/erasures",
            """{"model": "tiny", "concepts": ["nudity"], "preset": "nudity"}"""
        );

        var (status, body, headers) = await Execute(await api.StartAsync(request, client), request);

        Assert.Equal(202, status);
        string id = body.GetProperty("id").GetString()!;
        string statusUri = $"https://rece-func.azurewebsites.net/api/erasures/{id}";
        Assert.Equal(statusUri, headers.Location.ToString());
        Assert.Equal("2", headers.RetryAfter.ToString());
        Assert.Equal(statusUri, body.GetProperty("statusQueryGetUri").GetString());
        Assert.Equal(statusUri + "/terminate?reason={text}", body.GetProperty("terminatePostUri").GetString());
        var metadata = await client.GetInstanceAsync(id, getInputsAndOutputs: true);
        Assert.Equal(TaskNames.ErasureOrchestrator, metadata!.Name);
        Assert.Equal(60, PipelineJson.Deserialize<ErasureInput>(metadata.SerializedInput!).Jobs.TimeoutSeconds);

        var get = Request("GET", $"/api/erasures/{id}");
        var (getStatus, document, getHeaders) = await Execute(await api.GetAsync(get, client, id), get);
        Assert.Equal(202, getStatus);
        Assert.Equal("Pending", document.GetProperty("runtimeStatus").GetString());
        Assert.Equal(statusUri, getHeaders.Location.ToString());
    }

    [Fact]
    public async Task BadInputIsAProblemDocumentNamingEachFieldAndStartsNothing()
    {
        var (_, api, _, client) = await SetUpAsync();
        var request = Request("POST", "/api/erasures", """{"model": "nothere", "concepts": ["x"]}""");
        var (status, body, headers) = await Execute(await api.StartAsync(request, client), request);
        Assert.Equal(400, status);
        Assert.Equal("application/problem+json", request.HttpContext.Response.ContentType);
        Assert.Equal("model", body.GetProperty("errors")[0].GetProperty("field").GetString());

        var second = Request("POST", "/api/erasures", """{"concepts": [], "top": 1}""");
        var (_, problem, _) = await Execute(await api.StartAsync(second, client), second);
        Assert.Equal(
            new[] { "concepts", "model", "top" },
            problem.GetProperty("errors").EnumerateArray().Select(e => e.GetProperty("field").GetString()).Order()
        );
        await foreach (var _ in client.GetAllInstancesAsync())
            Assert.Fail("nothing may start");

        var list = Request("GET", "/api/erasures", query: "?top=0&createdTimeFrom=yesterday");
        var (listStatus, listProblem, _) = await Execute(
            await api.ListAsync(list, client, ErasureListQuery.From(list)),
            list
        );
        Assert.Equal(400, listStatus);
        Assert.Equal(
            new[] { "createdTimeFrom", "top" },
            listProblem.GetProperty("errors").EnumerateArray().Select(e => e.GetProperty("field").GetString()).Order()
        );
        var unknown = Request("GET", "/api/erasures/none");
        Assert.Equal(404, (await Execute(await api.GetAsync(unknown, client, "none"), unknown)).Status);
    }

    [Fact]
    public async Task TheSameRequestBlobTwiceStartsOneInstanceAndTerminatingItWritesItsResultDocument()
    {
        var (account, api, intake, client) = await SetUpAsync();
        var content = BinaryData.FromString("""{"model": "tiny", "concepts": ["cat"]}""");

        var first = await intake.StartFromBlobAsync(client, "cats/one.json", content, "\"0x1\"");
        var second = await intake.StartFromBlobAsync(client, "cats/one.json", content, "\"0x2\"");
        var changed = await intake.StartFromBlobAsync(
            client,
            "cats/one.json",
            BinaryData.FromString("""{"model": "tiny", "concepts": ["dog"]}"""),
            "\"0x3\""
        );
        var ignored = await intake.StartFromBlobAsync(client, "notes.txt", content, "\"0x4\"");

        Assert.Equal(IntakeOutcome.Started, first.Outcome);
        Assert.Equal((IntakeOutcome.AlreadyStarted, first.InstanceId), (second.Outcome, second.InstanceId));
        Assert.Equal(IntakeOutcome.Started, changed.Outcome);
        Assert.NotEqual(first.InstanceId, changed.InstanceId);
        Assert.StartsWith("blob-cats-one-", first.InstanceId);
        Assert.Equal(IntakeOutcome.Ignored, ignored.Outcome);

        var terminate = Request(
            "POST",
            $"/api/erasures/{first.InstanceId}/terminate",
            query: "?reason=changed%20my%20mind"
        );
        var terminated = await api.TerminateAsync(terminate, client, first.InstanceId!, terminate.Query["reason"]);
        Assert.Equal(202, (await Execute(terminated, terminate)).Status);
        var result = PipelineJson.Deserialize<ErasureStatusDocument>(
            (
                await account.Container(StorageNames.Results).GetBlobClient("cats/one.json").DownloadContentAsync()
            ).Value.Content.ToString()
        );
        Assert.Equal(("Terminated", first.InstanceId), (result.RuntimeStatus, result.InstanceId));
        Assert.Equal("changed my mind", result.Output!.Value.GetString());
        Assert.Equal("\"0x1\"", result.Request!.ETag);
    }

    [Fact]
    public async Task AFailedInstancesStatusCarriesTheReasonAsItsOutput()
    {
        var metadata = new OrchestrationMetadata(TaskNames.ErasureOrchestrator, "x")
        {
            RuntimeStatus = OrchestrationRuntimeStatus.Failed,
            FailureDetails = new Microsoft.DurableTask.TaskFailureDetails(
                "ErasureFailedException",
                "Every run failed: run-0: epoch 0: boom",
                null,
                null,
                null
            ),
            SerializedInput = """{"request": {"model": "m", "concepts": ["c"]}}""",
            SerializedCustomStatus = """{"runsCompleted": 0}""",
        };
        var document = ErasureApi.ToDocument(metadata, withData: true);
        Assert.Equal("Failed", document.RuntimeStatus);
        Assert.Equal("Every run failed: run-0: epoch 0: boom", document.Output!.Value.GetString());
        Assert.Equal("m", document.Input!.Value.GetProperty("request").GetProperty("model").GetString());
        Assert.Equal(0, document.CustomStatus!.Value.GetProperty("runsCompleted").GetInt32());
        await Task.CompletedTask;
    }
}

using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Rece.Orchestration;
using Rece.Storage;
using Rece.Testing;

namespace Rece.Api.Tests;

/// <summary>The API on a task hub in Azurite with no host running it, requests as the Functions host hands them over,
/// and what a test checks afterwards.</summary>
internal sealed class ApiTestKit
{
    private static readonly IServiceProvider Services = new ServiceCollection().AddLogging().BuildServiceProvider();

    private ApiTestKit(StorageAccount account, ErasureApi api, ErasureIntake intake, TaskHubDurableClient client)
    {
        Account = account;
        Api = api;
        Intake = intake;
        Client = client;
    }

    public StorageAccount Account { get; }

    public ErasureApi Api { get; }

    public ErasureIntake Intake { get; }

    public TaskHubDurableClient Client { get; }

    public static async Task<ApiTestKit> CreateAsync(AzuriteFixture azurite)
    {
        var account = StorageAccount.Parse(azurite.NewAccount());
        await account.EnsureCreatedAsync();
        await account
            .Container(StorageNames.Models)
            .UploadBlobAsync("tiny/model_index.json", BinaryData.FromString("{}"));
        var service = TaskHub.CreateService(account, new TaskHubOptions { Name = "hostile" });
        await service.CreateIfNotExistsAsync();
        var intake = new ErasureIntake(account, new GpuJobPolicy { TimeoutSeconds = 60 });
        return new ApiTestKit(
            account,
            new ErasureApi(account, intake),
            intake,
            new TaskHubDurableClient(service, "hostile")
        );
    }

    /// <summary>A request whose body is <paramref name="body"/>, with no Content-Length (as a chunked body
    /// arrives).</summary>
    public static HttpRequest Request(string method, string path, Stream body)
    {
        var context = new DefaultHttpContext { RequestServices = Services };
        context.Request.Method = method;
        context.Request.Scheme = "https";
        context.Request.Host = new HostString("rece-func.azurewebsites.net");
        context.Request.Path = path;
        context.Request.Body = body;
        context.Response.Body = new MemoryStream();
        return context.Request;
    }

    public static HttpRequest Request(string method, string path, string body = "") =>
        Request(method, path, new MemoryStream(Encoding.UTF8.GetBytes(body)));

    public static async Task<(int Status, JsonElement Body, string? ContentType)> Execute(
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
            context.Response.ContentType
        );
    }

    /// <summary>POST /api/erasures with <paramref name="json"/>.</summary>
    public async Task<(int Status, JsonElement Body, string? ContentType)> StartAsync(string json)
    {
        var request = Request("POST", "/api/erasures", json);
        return await Execute(await Api.StartAsync(request, Client), request);
    }

    public async Task<int> InstanceCountAsync()
    {
        int count = 0;
        await foreach (var _ in Client.GetAllInstancesAsync())
            count++;
        return count;
    }

    public async Task<List<string>> BlobsAsync(string container)
    {
        var names = new List<string>();
        await foreach (var blob in Account.Container(container).GetBlobsAsync())
            names.Add(blob.Name);
        return names;
    }
}

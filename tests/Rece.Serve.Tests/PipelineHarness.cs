using System.Net.Http.Json;
using System.Text.Json;
using Azure.Storage.Blobs;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Rece.Erasure;
using Rece.Models.Fixtures;
using Rece.Orchestration;
using Rece.Storage;
using Rece.Testing;
using Rece.Worker;

namespace Rece.Serve.Tests;

/// <summary>One test's pipeline: its own Azurite account with the tiny model uploaded, and `rece serve` running
/// in-process.</summary>
public sealed class PipelineHarness : IAsyncDisposable
{
    public const string Model = "tiny";

    private PipelineHarness(string connectionString, string scratch, string modelFolder)
    {
        ConnectionString = connectionString;
        Account = StorageAccount.Parse(connectionString);
        Scratch = scratch;
        ModelFolder = modelFolder;
    }

    public string ConnectionString { get; }

    public StorageAccount Account { get; }

    public string Scratch { get; }

    /// <summary>The tiny model on disk (what was uploaded to models/tiny/).</summary>
    public string ModelFolder { get; }

    public WebApplication? App { get; private set; }

    public HttpClient Http { get; } = new() { Timeout = TimeSpan.FromSeconds(60) };

    public string BaseUrl { get; private set; } = "";

    public BlobContainerClient Container(string name) => Account.Container(name);

    public static async Task<PipelineHarness> CreateAsync(AzuriteFixture azurite, int seed = 5)
    {
        string scratch = PipelineTestKit.TempFolder("pipeline");
        string model = Path.Combine(scratch, "tiny-model");
        RandomModelFixture.Write(model, FixtureKind.Tiny, seed);
        var harness = new PipelineHarness(azurite.NewAccount(), scratch, model);
        await PipelineTestKit.UploadFolderAsync(harness.Container(StorageNames.Models), Model, model);
        return harness;
    }

    /// <summary>Starts `rece serve` in this process (as the command does).</summary>
    public async Task StartServeAsync(
        int workers,
        Action<IServiceCollection>? services = null,
        GpuJobPolicy? jobs = null,
        string? apiKey = null
    )
    {
        int port = AzuriteFixture.FreePort();
        BaseUrl = $"http://127.0.0.1:{port}";
        var options = new ServeOptions
        {
            Storage = Account,
            TaskHub = new TaskHubOptions { Name = "rece" },
            Urls = BaseUrl,
            Workers = workers,
            // Users set these with --watch-interval and --visibility-timeout; short values keep the tests quick.
            WatchInterval = TimeSpan.FromMilliseconds(250),
            WorkerOptions = new GpuWorkerOptions { VisibilityTimeout = TimeSpan.FromSeconds(10) },
            Jobs = jobs ?? new GpuJobPolicy(),
            ModelCacheRoot = Path.Combine(Scratch, "cache"),
            ApiKey = apiKey,
        };
        App = await ServeHost.BuildAsync(options, configureServices: services);
        await App.StartAsync();
    }

    public async Task<string> SubmitAsync(string json)
    {
        var response = await Http.PostAsync(
            $"{BaseUrl}/api/erasures",
            new StringContent(json, System.Text.Encoding.UTF8, "application/json")
        );
        Assert.Equal(System.Net.HttpStatusCode.Accepted, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;
    }

    /// <summary>Polls GET /api/erasures/{id} until it answers 200 (finished).</summary>
    public async Task<ErasureStatusDocument> WaitForAsync(string id, TimeSpan timeout) =>
        await PipelineTestKit.EventuallyAsync(
            async () =>
            {
                var response = await Http.GetAsync($"{BaseUrl}/api/erasures/{id}");
                return response.StatusCode == System.Net.HttpStatusCode.OK
                    ? PipelineJson.Deserialize<ErasureStatusDocument>(await response.Content.ReadAsStringAsync())
                    : null;
            },
            timeout,
            $"instance {id} finishing"
        );

    public async Task<ErasureStatusDocument> WaitForResultDocumentAsync(
        string blob,
        TimeSpan timeout,
        Func<ErasureStatusDocument, bool>? until = null
    ) =>
        await PipelineTestKit.EventuallyAsync(
            async () =>
            {
                var content = await CreateOnlyBlobs.TryDownloadAsync(
                    Container(StorageNames.Results).GetBlobClient(blob)
                );
                if (content is null)
                    return null;
                var document = PipelineJson.Deserialize<ErasureStatusDocument>(content.ToString());
                return until is null || until(document) ? document : null;
            },
            timeout,
            $"{StorageNames.Results}/{blob}"
        );

    /// <summary>What `rece erase` writes locally for the tiny model, and the folder `rece apply-patch` builds from a
    /// pipeline patch.</summary>
    public async Task<(string Local, string FromPipeline)> RebuildAsync(string patchBlobPath, ErasureRequest request)
    {
        string local = Path.Combine(Scratch, "erase-" + Guid.NewGuid().ToString("N")[..6]);
        ErasureJob.Run(request with { ModelDirectory = ModelFolder, OutputDirectory = local });
        var path = BlobPath.Parse(patchBlobPath);
        string patch = Path.Combine(Scratch, "pipeline-" + Guid.NewGuid().ToString("N")[..6] + ".safetensors");
        await Container(path.Container).GetBlobClient(path.Name).DownloadToAsync(patch);
        string rebuilt = Path.Combine(Scratch, "applied-" + Guid.NewGuid().ToString("N")[..6]);
        PatchJob.Apply(ModelFolder, patch, rebuilt, force: false);
        return (local, rebuilt);
    }

    /// <summary>Every checkpoint folder of an instance with the blobs in it.</summary>
    public async Task<Dictionary<string, List<string>>> CheckpointsAsync(string instanceId)
    {
        var names = await PipelineTestKit.ListAsync(Container(StorageNames.Checkpoints), instanceId + "/");
        return names
            .GroupBy(n => n[..(n.LastIndexOf('/') + 1)])
            .ToDictionary(g => g.Key, g => g.Select(n => n[(n.LastIndexOf('/') + 1)..]).Order().ToList());
    }

    public async ValueTask DisposeAsync()
    {
        if (App is not null)
        {
            await App.StopAsync();
            await App.DisposeAsync();
        }
        Http.Dispose();
        try
        {
            Directory.Delete(Scratch, recursive: true);
        }
        catch (IOException) { }
    }
}

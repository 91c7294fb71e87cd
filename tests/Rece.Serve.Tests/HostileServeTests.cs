using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Rece.Orchestration.Requests;
using Rece.Storage;
using Rece.Testing;

namespace Rece.Serve.Tests;

/// <summary>
/// `rece serve` running (Kestrel, the watcher) against hostile input: chunked oversized bodies, forged events, requests
/// without the API key, and request blobs that are too large or fail; each gets a clean refusal and the host stays up.
/// </summary>
[Collection(AzuriteCollection.Name)]
public class HostileServeTests(AzuriteFixture azurite)
{
    private const string Valid = """{ "model": "tiny", "concepts": ["cat"] }""";

    /// <summary>A body of unknown length (HttpClient sends it chunked, without Content-Length).</summary>
    private sealed class Chunked(long length) : HttpContent
    {
        protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context)
        {
            var chunk = Encoding.ASCII.GetBytes(new string(' ', 64 * 1024));
            for (long sent = 0; sent < length; sent += chunk.Length)
                await stream.WriteAsync(chunk.AsMemory(0, (int)Math.Min(chunk.Length, length - sent)));
        }

        protected override bool TryComputeLength(out long length)
        {
            length = 0;
            return false;
        }
    }

    private static async Task<int> InstancesAsync(PipelineHarness pipeline, HttpRequestMessage? template = null)
    {
        var list = new HttpRequestMessage(HttpMethod.Get, $"{pipeline.BaseUrl}/api/erasures");
        foreach (var header in template?.Headers ?? Enumerable.Empty<KeyValuePair<string, IEnumerable<string>>>())
            list.Headers.TryAddWithoutValidation(header.Key, header.Value);
        var response = await pipeline.Http.SendAsync(list);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("instances").GetArrayLength();
    }

    [Fact]
    public async Task AChunkedFiveMegabyteRequestIs413AndTheHostStaysUp()
    {
        await using var pipeline = await PipelineHarness.CreateAsync(azurite);
        await pipeline.StartServeAsync(workers: 0);

        var response = await pipeline.Http.PostAsync($"{pipeline.BaseUrl}/api/erasures", new Chunked(5L << 20));

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(0, await InstancesAsync(pipeline));
        string id = await pipeline.SubmitAsync(Valid);
        Assert.Equal(1, await InstancesAsync(pipeline));

        var events = await pipeline.Http.PostAsync(
            $"{pipeline.BaseUrl}/api/erasures/{id}/events/approve",
            new Chunked(5L << 20)
        );
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, events.StatusCode);
    }

    [Fact]
    public async Task AForgedGpuJobResultIsRefusedByTheRunningHost()
    {
        await using var pipeline = await PipelineHarness.CreateAsync(azurite);
        await pipeline.StartServeAsync(workers: 0);
        string id = await pipeline.SubmitAsync(Valid);

        var response = await pipeline.Http.PostAsync(
            $"{pipeline.BaseUrl}/api/erasures/{id}/events/GpuJobResult.run-0.epoch-0.attempt-1",
            new StringContent("""{"succeeded": true}""", Encoding.UTF8, "application/json")
        );

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Contains("Reserved event name", await response.Content.ReadAsStringAsync());
        var status = await pipeline.Http.GetAsync($"{pipeline.BaseUrl}/api/erasures/{id}");
        Assert.Equal(HttpStatusCode.Accepted, status.StatusCode);
    }

    [Fact]
    public async Task WithAKeyEveryApiRequestNeedsItEvenOnLoopback()
    {
        const string key = "0123456789abcdef-test-key";
        await using var pipeline = await PipelineHarness.CreateAsync(azurite);
        await pipeline.StartServeAsync(workers: 0, apiKey: key);
        HttpRequestMessage Send(HttpMethod method, string path, string? presented, string? body = null)
        {
            var message = new HttpRequestMessage(method, pipeline.BaseUrl + path);
            if (presented is not null)
                message.Headers.Add(ApiKeyGuard.Header, presented);
            if (body is not null)
                message.Content = new StringContent(body, Encoding.UTF8, "application/json");
            return message;
        }

        foreach (var presented in new[] { null, "", "wrong", key + "x", key.ToUpperInvariant(), key[..^1] })
        {
            foreach (
                var (method, path) in new[]
                {
                    (HttpMethod.Get, "/api/erasures"),
                    (HttpMethod.Post, "/api/erasures"),
                    (HttpMethod.Get, "/api/erasures/x"),
                    (HttpMethod.Delete, "/api/erasures/x"),
                }
            )
            {
                var refused = await pipeline.Http.SendAsync(
                    Send(method, path, presented, method == HttpMethod.Post ? Valid : null)
                );
                Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
                Assert.Equal("application/problem+json", refused.Content.Headers.ContentType?.MediaType);
            }
        }
        var accepted = await pipeline.Http.SendAsync(Send(HttpMethod.Post, "/api/erasures", key, Valid));
        Assert.Equal(HttpStatusCode.Accepted, accepted.StatusCode);
        Assert.Equal(1, await InstancesAsync(pipeline, Send(HttpMethod.Get, "/", key)));
    }

    [Theory]
    [InlineData("http://0.0.0.0:{port}", null)]
    [InlineData("http://*:{port}", null)]
    [InlineData("http://+:{port}", null)]
    [InlineData("http://example.com:{port}", null)]
    [InlineData("http://127.0.0.1:{port};http://[::]:{port2}", null)]
    [InlineData("http://127.0.0.1:{port}", "too-short")]
    public async Task AnUnsafeBindingRefusesToStartBeforeTouchingStorage(string urls, string? key)
    {
        var account = StorageAccount.Parse(azurite.NewAccount());
        var options = new ServeOptions
        {
            Storage = account,
            TaskHub = new TaskHubOptions { Name = "rece" },
            Urls = urls.Replace("{port}", AzuriteFixture.FreePort().ToString())
                .Replace("{port2}", AzuriteFixture.FreePort().ToString()),
            Workers = 0,
            ApiKey = key,
        };

        var e = await Assert.ThrowsAsync<ServeConfigurationException>(() => ServeHost.BuildAsync(options));

        Assert.Contains(ApiKeyGuard.Variable, e.Message);
        await foreach (var _ in account.Blobs.GetBlobContainersAsync())
            Assert.Fail("nothing may be created");
    }

    [Theory]
    [InlineData("http://127.0.0.1:7071", true)]
    [InlineData("http://localhost:7071", true)]
    [InlineData("http://[::1]:7071;http://127.0.0.2:80", true)]
    [InlineData("http://0.0.0.0:7071", false)]
    [InlineData("https://rece.example.com", false)]
    [InlineData("http://10.0.0.4:7071", false)]
    [InlineData("http://unix:/tmp/rece.sock", false)]
    public void LoopbackIsTheOnlyBindingWithoutAKey(string urls, bool loopback) =>
        Assert.Equal(loopback, ApiKeyGuard.NonLoopback(urls) is null);

    [Fact]
    public async Task TheWatcherRefusesATooLargeBlobUnreadAndOneFailingBlobDoesNotStopTheOthers()
    {
        await using var pipeline = await PipelineHarness.CreateAsync(azurite);
        await pipeline.Account.EnsureCreatedAsync();
        var requests = pipeline.Container(StorageNames.Requests);
        // a-fails.json is malformed, and its result document cannot be written (the existing one is leased): taking it
        // throws.
        var blocked = pipeline.Container(StorageNames.Results).GetBlobClient("a-fails.json");
        await blocked.UploadAsync(BinaryData.FromString("{}"));
        await Azure
            .Storage.Blobs.Specialized.SpecializedBlobExtensions.GetBlobLeaseClient(blocked)
            .AcquireAsync(TimeSpan.FromSeconds(-1));
        await requests.GetBlobClient("a-fails.json").UploadAsync(BinaryData.FromString("""{ "model": "tiny" }"""));
        await requests.GetBlobClient("b-big.json").UploadAsync(BinaryData.FromString(Valid + new string(' ', 2 << 20)));
        await requests.GetBlobClient("c-good.json").UploadAsync(BinaryData.FromString(Valid));
        string good = InstanceIds.ForBlob("c-good.json", Encoding.UTF8.GetBytes(Valid));

        await pipeline.StartServeAsync(workers: 0);

        var big = await pipeline.WaitForResultDocumentAsync("b-big.json", TimeSpan.FromSeconds(30));
        Assert.Equal("Failed", big.RuntimeStatus);
        Assert.Contains("not read", Assert.Single(big.Errors!).Message);
        await PipelineTestKit.EventuallyAsync(
            async () =>
                (await pipeline.Http.GetAsync($"{pipeline.BaseUrl}/api/erasures/{good}")).StatusCode
                == HttpStatusCode.NotFound
                    ? null
                    : "started",
            TimeSpan.FromSeconds(30),
            "c-good.json's instance"
        );
        Assert.Equal("{}", (await blocked.DownloadContentAsync()).Value.Content.ToString());
    }
}

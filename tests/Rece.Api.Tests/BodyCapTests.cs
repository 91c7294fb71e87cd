using Rece.Testing;

namespace Rece.Api.Tests;

/// <summary>The 1 MiB cap holds for bodies without a Content-Length (chunked): the stream is read no further than the
/// cap.</summary>
[Collection(AzuriteCollection.Name)]
public class BodyCapTests(AzuriteFixture azurite)
{
    private const int FiveMegabytes = 5 * 1024 * 1024;

    [Fact]
    public async Task AChunkedRequestBodyOverOneMebibyteIs413AfterReadingAtMostTheCapAndStartsNothing()
    {
        var kit = await ApiTestKit.CreateAsync(azurite);
        var body = new CountingStream(FiveMegabytes);
        var request = ApiTestKit.Request("POST", "/api/erasures", body);
        Assert.Null(request.ContentLength);

        var (status, problem, contentType) = await ApiTestKit.Execute(
            await kit.Api.StartAsync(request, kit.Client),
            request
        );

        Assert.Equal(413, status);
        Assert.Equal("application/problem+json", contentType);
        Assert.Contains("1 MiB", problem.GetProperty("detail").GetString());
        Assert.True(body.BytesRead <= BoundedBody.MaxBytes + 1, $"read {body.BytesRead} bytes");
        Assert.Equal(0, await kit.InstanceCountAsync());
    }

    [Fact]
    public async Task ARequestOfExactlyTheCapIsReadWhole()
    {
        var kit = await ApiTestKit.CreateAsync(azurite);
        // A valid request padded with JSON whitespace to exactly 1 MiB.
        const string json = """{"model": "tiny", "concepts": ["cat"]}""";
        var padded = json + new string(' ', BoundedBody.MaxBytes - json.Length);

        var (status, _, _) = await kit.StartAsync(padded);

        Assert.Equal(202, status);
        Assert.Equal(1, await kit.InstanceCountAsync());
    }

    [Fact]
    public async Task ADeclaredContentLengthOverTheCapIs413WithoutReading()
    {
        var kit = await ApiTestKit.CreateAsync(azurite);
        var body = new CountingStream(FiveMegabytes);
        var request = ApiTestKit.Request("POST", "/api/erasures", body);
        request.ContentLength = FiveMegabytes;
        Assert.Equal(413, (await ApiTestKit.Execute(await kit.Api.StartAsync(request, kit.Client), request)).Status);
        Assert.Equal(0, body.BytesRead);
    }

    [Fact]
    public async Task AChunkedEventBodyOverTheCapIs413AfterReadingAtMostTheCap()
    {
        var kit = await ApiTestKit.CreateAsync(azurite);
        var (_, links, _) = await kit.StartAsync("""{"model": "tiny", "concepts": ["cat"]}""");
        string id = links.GetProperty("id").GetString()!;
        var body = new CountingStream(FiveMegabytes);
        var request = ApiTestKit.Request("POST", $"/api/erasures/{id}/events/approve", body);

        var (status, _, contentType) = await ApiTestKit.Execute(
            await kit.Api.RaiseEventAsync(request, kit.Client, id, "approve"),
            request
        );

        Assert.Equal(413, status);
        Assert.Equal("application/problem+json", contentType);
        Assert.True(body.BytesRead <= BoundedBody.MaxBytes + 1, $"read {body.BytesRead} bytes");
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(BoundedBody.MaxBytes)]
    public async Task TheCapKeepsBodiesUpToItAndRefusesTheNextByte(int length)
    {
        Assert.Equal(length, (await BoundedBody.ReadAsync(new CountingStream(length)))!.Length);
        var over = new CountingStream(length + 1L);
        Assert.Null(await BoundedBody.ReadAsync(over, length));
        Assert.Equal(length + 1L, over.BytesRead);
    }
}

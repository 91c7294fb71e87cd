using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Rece.Testing;

namespace Rece.Serve.Tests;

/// <summary>
/// Route and query values bound by name in the running host: a value the API cannot use is answered 400 with the
/// API's own problem document naming the field, exactly as when the handlers read the query themselves.
/// </summary>
[Collection(AzuriteCollection.Name)]
public class HttpApiBindingTests(AzuriteFixture azurite)
{
    private static async Task<JsonElement> ProblemAsync(HttpResponseMessage response, string field)
    {
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(["type", "title", "status", "detail", "errors"], problem.EnumerateObject().Select(p => p.Name));
        Assert.Equal("https://tools.ietf.org/html/rfc9110#section-15.5.1", problem.GetProperty("type").GetString());
        Assert.Equal(
            ("Invalid erasure request", 400),
            (problem.GetProperty("title").GetString(), problem.GetProperty("status").GetInt32())
        );
        var error = Assert.Single(problem.GetProperty("errors").EnumerateArray());
        Assert.Equal(["field", "message"], error.EnumerateObject().Select(p => p.Name));
        Assert.Equal(field, error.GetProperty("field").GetString());
        Assert.Equal($"{field}: {error.GetProperty("message").GetString()}", problem.GetProperty("detail").GetString());
        return error;
    }

    [Fact]
    public async Task BadQueryValuesAreAnsweredWithTheApisProblemDocumentAndGoodOnesAreBound()
    {
        await using var pipeline = await PipelineHarness.CreateAsync(azurite);
        await pipeline.StartServeAsync(workers: 0);
        var http = pipeline.Http;
        string api = $"{pipeline.BaseUrl}/api/erasures";
        string id = await pipeline.SubmitAsync("""{ "model": "tiny", "concepts": ["cat"] }""");

        var bad = new[]
        {
            ("top=abc", "top"),
            ("top=1001", "top"),
            ("top=0", "top"),
            ("createdTimeTo=yesterday", "createdTimeTo"),
            ("runtimeStatus=Sleeping", "runtimeStatus"),
            ("runtimeStatus=1", "runtimeStatus"),
        };
        foreach (var (query, field) in bad)
            await ProblemAsync(await http.GetAsync($"{api}?{query}"), field);
        var page = await http.GetFromJsonAsync<JsonElement>(
            $"{api}?runtimeStatus=Completed&runtimeStatus=running,Pending&top=1"
        );
        Assert.Equal(
            id,
            Assert.Single(page.GetProperty("instances").EnumerateArray()).GetProperty("instanceId").GetString()
        );

        var terminate = await http.PostAsync($"{api}/{id}/terminate?reason=bound%20by%20name", null);
        Assert.Equal(HttpStatusCode.Accepted, terminate.StatusCode);
        var terminated = await pipeline.WaitForAsync(id, TimeSpan.FromSeconds(30));
        Assert.Equal("Terminated", terminated.RuntimeStatus);
        Assert.Contains("bound by name", terminated.Output?.GetRawText());

        var maybe = await ProblemAsync(await http.DeleteAsync($"{api}/{id}?deleteOutputs=maybe"), "deleteOutputs");
        Assert.Equal("must be true or false, got \"maybe\"", maybe.GetProperty("message").GetString());
        await ProblemAsync(await http.DeleteAsync($"{api}/{id}?deleteOutputs="), "deleteOutputs");
        var purged = await http.DeleteAsync($"{api}/{id}?deleteOutputs=False");
        Assert.Equal(HttpStatusCode.OK, purged.StatusCode);
        Assert.Equal("""{"instancesDeleted":1,"outputBlobsDeleted":0}""", await purged.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.NotFound, (await http.DeleteAsync($"{api}/{id}?deleteOutputs=maybe")).StatusCode);
    }
}

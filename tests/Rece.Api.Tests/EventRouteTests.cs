using Rece.Orchestration.Jobs;
using Rece.Testing;

namespace Rece.Api.Tests;

/// <summary>POST /api/erasures/{id}/events/{eventName}: the pipeline's own events cannot be forged through it, and
/// nothing it refuses reaches the instance.</summary>
[Collection(AzuriteCollection.Name)]
public class EventRouteTests(AzuriteFixture azurite)
{
    private static async Task<string> PendingInstanceAsync(ApiTestKit kit)
    {
        var (status, body, _) = await kit.StartAsync(
            """{"model": "tiny", "concepts": ["nudity"], "preset": "nudity"}"""
        );
        Assert.Equal(202, status);
        return body.GetProperty("id").GetString()!;
    }

    /// <summary>Messages waiting in the task hub's control queues: a raised event is one more.</summary>
    private static async Task<int> ControlMessagesAsync(ApiTestKit kit)
    {
        int count = 0;
        await foreach (var queue in kit.Account.Queues.GetQueuesAsync(prefix: "hostile-control-"))
            count += (await kit.Account.Queues.GetQueueClient(queue.Name).PeekMessagesAsync(32)).Value.Length;
        return count;
    }

    public static TheoryData<string> ForgedNames() =>
        new()
        {
            GpuJob.EventNameOf("run-0", 0, 1),
            "gpujobresult.run-0.epoch-0.attempt-1",
            "GPUJOBRESULT.run-0.epoch-3.attempt-2",
            "GpuJobStarted.run-0.epoch-0.attempt-1",
            EvaluationShardJob.EventNameOf("run-0/epoch-1", "nudity", 0, 1),
            EvaluationReportJob.EventNameOf("run-0", 1),
        };

    [Theory]
    [MemberData(nameof(ForgedNames))]
    public async Task AnEventNameThePipelineRaisesItselfIsRefusedWith403AndNeverDelivered(string eventName)
    {
        var kit = await ApiTestKit.CreateAsync(azurite);
        string id = await PendingInstanceAsync(kit);
        int before = await ControlMessagesAsync(kit);
        const string forged =
            """{"jobId": "x", "instanceId": "x", "run": "run-0", "epoch": 0, "attempt": 1, "succeeded": true}""";

        var request = ApiTestKit.Request("POST", $"/api/erasures/{id}/events/{eventName}", forged);
        var (status, body, contentType) = await ApiTestKit.Execute(
            await kit.Api.RaiseEventAsync(request, kit.Client, id, eventName),
            request
        );

        Assert.Equal(403, status);
        Assert.Equal("application/problem+json", contentType);
        Assert.Equal("Reserved event name", body.GetProperty("title").GetString());
        Assert.Contains("the pipeline raises itself", body.GetProperty("detail").GetString());
        Assert.Equal(before, await ControlMessagesAsync(kit));
    }

    [Fact]
    public async Task EveryEventNameAJobCarriesIsInternal()
    {
        // The orchestrator waits on exactly these; a new job kind whose names escape the predicate fails here.
        Assert.True(PipelineEvents.IsInternal(GpuJob.EventNameOf("run-12", 7, 3)));
        Assert.True(PipelineEvents.IsInternal(EvaluationShardJob.EventNameOf("baseline", "art", 4, 2)));
        Assert.True(PipelineEvents.IsInternal(EvaluationReportJob.EventNameOf("run-3", 9)));
        Assert.False(PipelineEvents.IsInternal("approve"));
        Assert.False(PipelineEvents.IsInternal("Result.GpuJob"));
        await Task.CompletedTask;
    }

    [Theory]
    [InlineData("")]
    [InlineData("has space")]
    [InlineData("semi;colon")]
    [InlineData("caf\u00e9")]
    [InlineData("tab\there")]
    [InlineData("nul\0byte")]
    public async Task AMalformedEventNameIsA400NamingTheField(string eventName)
    {
        var kit = await ApiTestKit.CreateAsync(azurite);
        string id = await PendingInstanceAsync(kit);
        int before = await ControlMessagesAsync(kit);

        var request = ApiTestKit.Request("POST", $"/api/erasures/{id}/events/x", "{}");
        var (status, body, contentType) = await ApiTestKit.Execute(
            await kit.Api.RaiseEventAsync(request, kit.Client, id, eventName),
            request
        );

        Assert.Equal(400, status);
        Assert.Equal("application/problem+json", contentType);
        Assert.Equal("eventName", body.GetProperty("errors")[0].GetProperty("field").GetString());
        Assert.Equal(before, await ControlMessagesAsync(kit));
    }

    [Fact]
    public async Task AnOverlongEventNameIsRefusedAndAnOrdinaryOneStillGoesThrough()
    {
        var kit = await ApiTestKit.CreateAsync(azurite);
        string id = await PendingInstanceAsync(kit);
        string overlong = new('a', ErasureApi.MaxEventNameLength + 1);

        var tooLong = ApiTestKit.Request("POST", $"/api/erasures/{id}/events/x", "{}");
        Assert.Equal(
            400,
            (await ApiTestKit.Execute(await kit.Api.RaiseEventAsync(tooLong, kit.Client, id, overlong), tooLong)).Status
        );

        int before = await ControlMessagesAsync(kit);
        var ordinary = ApiTestKit.Request("POST", $"/api/erasures/{id}/events/approve", """{"ok": true}""");
        Assert.Equal(
            202,
            (
                await ApiTestKit.Execute(await kit.Api.RaiseEventAsync(ordinary, kit.Client, id, "approve"), ordinary)
            ).Status
        );
        Assert.Equal(before + 1, await ControlMessagesAsync(kit));
    }

    [Theory]
    [InlineData("{ broken")]
    [InlineData("")]
    [InlineData("\u0001")]
    public async Task AnEventBodyThatIsNotJsonIsA400AndNotDelivered(string body)
    {
        var kit = await ApiTestKit.CreateAsync(azurite);
        string id = await PendingInstanceAsync(kit);
        int before = await ControlMessagesAsync(kit);
        var request = ApiTestKit.Request("POST", $"/api/erasures/{id}/events/approve", body);
        var (status, problem, _) = await ApiTestKit.Execute(
            await kit.Api.RaiseEventAsync(request, kit.Client, id, "approve"),
            request
        );
        Assert.Equal(400, status);
        Assert.Equal("$", problem.GetProperty("errors")[0].GetProperty("field").GetString());
        Assert.Equal(before, await ControlMessagesAsync(kit));
    }

    [Fact]
    public async Task DeeplyNestedEventJsonIsA400NotAStackOverflow()
    {
        var kit = await ApiTestKit.CreateAsync(azurite);
        string id = await PendingInstanceAsync(kit);
        string nested = new string('[', 100_000) + new string(']', 100_000);
        var request = ApiTestKit.Request("POST", $"/api/erasures/{id}/events/approve", nested);
        Assert.Equal(
            400,
            (
                await ApiTestKit.Execute(await kit.Api.RaiseEventAsync(request, kit.Client, id, "approve"), request)
            ).Status
        );
    }
}

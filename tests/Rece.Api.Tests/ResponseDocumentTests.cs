using System.Text.Json;
using Microsoft.AspNetCore.Http.Json;
using Rece.Orchestration;
using Rece.Orchestration.Requests;

namespace Rece.Api.Tests;

/// <summary>
/// The typed results write their bodies with the host's JSON options; the documents carry their own JSON form, so the
/// bytes are those the API wrote with the pipeline's options before.
/// </summary>
public class ResponseDocumentTests
{
    private static readonly JsonSerializerOptions HostDefaults = new JsonOptions().SerializerOptions;

    public static TheoryData<object> Documents() =>
        new()
        {
            new ErasureStatusDocument { Name = TaskNames.ErasureOrchestrator, RuntimeStatus = "Pending" },
            new ErasureStatusDocument
            {
                Name = TaskNames.ErasureOrchestrator,
                InstanceId = "i",
                RuntimeStatus = "Failed",
                Input = ErasureStatusDocument.Element(new { request = new { model = "m" } }),
                Output = ErasureStatusDocument.Element("boom"),
                CustomStatus = ErasureStatusDocument.Element(new { runsCompleted = 0 }),
                CreatedTime = new DateTime(2026, 1, 31, 12, 0, 0, DateTimeKind.Utc),
                LastUpdatedTime = DateTime.UnixEpoch,
                Errors = [new FieldError("model", "no such model")],
            },
            new ErasureList([new ErasureStatusDocument { Name = "n", RuntimeStatus = "Running" }], null),
            new ErasureList([], "token"),
            new ErasureLinks(
                "i",
                "https://h/api/erasures/i",
                "https://h/api/erasures/i/events/{eventName}",
                "https://h/api/erasures/i/terminate?reason={text}",
                "https://h/api/erasures/i"
            ),
            new PurgeResult(1, 3),
        };

    [Theory]
    [MemberData(nameof(Documents))]
    public void TheHostsJsonOptionsWriteEachDocumentAsThePipelinesDo(object document) =>
        Assert.Equal(
            JsonSerializer.Serialize(document, PipelineJson.Options),
            JsonSerializer.Serialize(document, HostDefaults)
        );

    [Fact]
    public void ThePurgeResultIsTheBodyThePurgeAnsweredBefore() =>
        Assert.Equal(
            JsonSerializer.Serialize(new { instancesDeleted = 1, outputBlobsDeleted = 3 }, PipelineJson.Options),
            JsonSerializer.Serialize(new PurgeResult(1, 3), HostDefaults)
        );

    [Fact]
    public void NullsAreLeftOut() =>
        Assert.Equal(
            """{"name":"n","runtimeStatus":"Running"}""",
            JsonSerializer.Serialize(new ErasureStatusDocument { Name = "n", RuntimeStatus = "Running" }, HostDefaults)
        );
}

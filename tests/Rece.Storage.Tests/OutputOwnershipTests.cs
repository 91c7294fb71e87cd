using Rece.Orchestration;
using Rece.Orchestration.Jobs;
using Rece.Orchestration.Requests;
using Rece.Testing;

namespace Rece.Storage.Tests;

/// <summary>Blob names stay inside their containers; outputs belong to the instance that wrote them.</summary>
[Collection(AzuriteCollection.Name)]
public class OutputOwnershipTests(AzuriteFixture azurite)
{
    [Theory]
    [InlineData("../models/tiny/evil/report.json")]
    [InlineData("a/../../x")]
    [InlineData("a/./b")]
    [InlineData("a\\b")]
    [InlineData("a/%2e%2e/b")]
    [InlineData("a\u0000b")]
    public void ABlobNameThatCouldLeaveItsContainerIsRefused(string name)
    {
        var account = StorageAccount.Parse("UseDevelopmentStorage=true");
        Assert.Throws<FormatException>(() => account.Blob(StorageNames.Results, name));
        Assert.Throws<FormatException>(() => BlobPath.Parse(StorageNames.Results + "/" + name));
    }

    [Fact]
    public void AnOrdinaryNameResolvesInsideItsContainer() =>
        Assert.EndsWith(
            "/erasure-results/erasures/run/report.json",
            StorageAccount
                .Parse("UseDevelopmentStorage=true")
                .Blob(StorageNames.Results, "erasures/run/report.json")
                .Uri.AbsolutePath
        );

    private static ErasureStatusDocument Status(string? instance, string status, DateTime created) =>
        new()
        {
            Name = TaskNames.ErasureOrchestrator,
            InstanceId = instance,
            RuntimeStatus = status,
            CreatedTime = created,
            LastUpdatedTime = created,
        };

    [Fact]
    public async Task AResultDocumentIsReplacedOnlyByANewerInstanceOrANonFinalStatusOfTheSame()
    {
        var account = StorageAccount.Parse(azurite.NewAccount());
        await account.EnsureCreatedAsync();
        var outputs = new ErasureOutputs(account);
        var t0 = new DateTime(2026, 12, 1, 0, 0, 0, DateTimeKind.Utc);
        async Task<string> Current() =>
            PipelineJson.Deserialize<ErasureStatusDocument>(
                (
                    await account.Blob(StorageNames.Results, "team/a.json").DownloadContentAsync()
                ).Value.Content.ToString()
            )
                is var d
                ? $"{d.InstanceId} {d.RuntimeStatus}"
                : "";

        await outputs.WriteResultAsync(new ResultWrite("team/a.json", Status("new", "Terminated", t0.AddHours(1))));
        // The orchestrator's final write racing a terminate: the first final word stands.
        await outputs.WriteResultAsync(new ResultWrite("team/a.json", Status("new", "Completed", t0.AddHours(1))));
        Assert.Equal("new Terminated", await Current());
        // An older instance of the same blob name finishing late does not replace the newer one's document.
        await outputs.WriteResultAsync(new ResultWrite("team/a.json", Status("old", "Completed", t0)));
        Assert.Equal("new Terminated", await Current());
        // A newer instance (the blob changed again) does.
        await outputs.WriteResultAsync(new ResultWrite("team/a.json", Status("newer", "Failed", t0.AddHours(2))));
        Assert.Equal("newer Failed", await Current());
    }

    private static ReportWrite Report(string instance, string output, params string[] runs) =>
        new(
            new ErasureReportDocument
            {
                InstanceId = instance,
                Request = PipelineRequestParser.Parse("""{"model": "m", "concepts": ["x"]}"""),
                StartedTime = DateTime.UtcNow,
                CompletedTime = DateTime.UtcNow,
                Runs = runs.Select(r => new RunOutput
                    {
                        Run = "run-0",
                        Swept = new Dictionary<string, System.Text.Json.JsonElement>(),
                        Status = RunStatus.Completed,
                        Settings = Orchestration
                            .Planning.ErasurePlan.Expand(
                                PipelineRequestParser.Parse("""{"model": "m", "concepts": ["x"]}""")
                            )
                            .Runs[0]
                            .Settings,
                        Patch = r,
                    })
                    .ToList(),
                Checkpoints = CheckpointLayout.InstancePrefix(instance),
            },
            output
        );

    [Fact]
    public async Task PublishedOutputsBelongToTheirInstanceAndOnlyTheyAreDeleted()
    {
        var account = StorageAccount.Parse(azurite.NewAccount());
        await account.EnsureCreatedAsync();
        var outputs = new ErasureOutputs(account);
        await account
            .Blob(StorageNames.Checkpoints, "one/run-0/epoch-0/rece-patch.safetensors")
            .UploadAsync(BinaryData.FromString("patch of one"));
        var written = await outputs.WriteReportAsync(
            Report("one", "shared", "checkpoints/one/run-0/epoch-0/rece-patch.safetensors")
        );
        Assert.Equal("erasure-results/shared/report.json", written.Published!.Report);
        // A retry of the same instance's activity rewrites its own outputs.
        await outputs.WriteReportAsync(Report("one", "shared", "checkpoints/one/run-0/epoch-0/rece-patch.safetensors"));
        Assert.Equal("one", await outputs.PublisherOfAsync("shared"));

        // Another instance may not replace them, nor copy a patch that is not its own checkpoint.
        var conflict = await Assert.ThrowsAsync<OutputConflictException>(() =>
            outputs.WriteReportAsync(Report("two", "shared"))
        );
        Assert.Contains("instance one", conflict.Message);
        await Assert.ThrowsAsync<OutputConflictException>(() =>
            outputs.WriteReportAsync(
                Report("three", "elsewhere", "checkpoints/one/run-0/epoch-0/rece-patch.safetensors")
            )
        );

        // Someone else's blob nested under the same prefix survives deleteOutputs.
        await account.Blob(StorageNames.Results, "shared/nested/report.json").UploadAsync(BinaryData.FromString("{}"));
        int deleted = await outputs.DeleteOutputsAsync("one", "shared");
        Assert.Equal(4, deleted); // its checkpoint and its report, and the two blobs it published under the prefix
        Assert.True((await account.Blob(StorageNames.Results, "shared/nested/report.json").ExistsAsync()).Value);
        Assert.False((await account.Blob(StorageNames.Results, "shared/report.json").ExistsAsync()).Value);
    }
}

using Rece.Erasure;
using Rece.Orchestration;
using Rece.Storage;
using Rece.Testing;

namespace Rece.Serve.Tests;

[Collection(AzuriteCollection.Name)]
public class EndToEndTests(AzuriteFixture azurite)
{
    private static readonly string[] NotModel = { RecePatch.FileName, ErasureReport.FileName };

    [Fact]
    public async Task ARequestBlobForTheTinyModelYieldsItsResultDocumentCheckpointsAndTheModelRecEraseWrites()
    {
        await using var pipeline = await PipelineHarness.CreateAsync(azurite);
        await pipeline.StartServeAsync(workers: 1);
        const string request = """{ "model": "tiny", "concepts": ["nudity"], "preset": "nudity" }""";
        var requestBlob = pipeline.Container(StorageNames.Requests).GetBlobClient("e2e.json");
        await requestBlob.UploadAsync(BinaryData.FromString(request));

        var result = await pipeline.WaitForResultDocumentAsync("e2e.json", TimeSpan.FromSeconds(120));

        Assert.True(result.RuntimeStatus == "Completed", result.Output?.GetRawText());
        var output = PipelineJson.Deserialize<ErasureOutput>(result.Output!.Value.GetRawText());
        var run = Assert.Single(output.Runs);
        Assert.Equal($"checkpoints/{result.InstanceId}/run-0/epoch-3/rece-patch.safetensors", run.Patch);
        Assert.Equal(
            new[] { "original", "uce", "rece-epoch-1", "rece-epoch-2", "rece-epoch-3" },
            run.Epochs.SelectMany(e => e.Measures).Select(m => m.Stage)
        );
        var checkpoints = await pipeline.CheckpointsAsync(result.InstanceId!);
        Assert.Equal(
            Enumerable.Range(0, 4).Select(k => $"{result.InstanceId}/run-0/epoch-{k}/"),
            checkpoints.Keys.Order()
        );
        Assert.All(checkpoints.Values, blobs =>
            Assert.Equal(new[] { "measures.json", "rece-patch.safetensors", "state.safetensors" }, blobs)
        );
        Assert.Equal(request, (await requestBlob.DownloadContentAsync()).Value.Content.ToString());
        var report = PipelineJson.Deserialize<ErasureReportDocument>(
            (
                await CreateOnlyBlobs.TryDownloadAsync(
                    pipeline.Container(StorageNames.Reports).GetBlobClient($"{result.InstanceId}/report.json")
                )
            )!.ToString()
        );
        Assert.Equal(5, report.Runs.Single().Epochs.SelectMany(e => e.Measures).Count());
        Assert.Equal(output.Recommended, report.Recommended);
        Assert.Equal($"reports/{result.InstanceId}/report.json", output.Report);

        var status = await pipeline.WaitForAsync(result.InstanceId!, TimeSpan.FromSeconds(10));
        Assert.Equal("Completed", status.RuntimeStatus);
        Assert.Equal(
            run.Patch,
            PipelineJson.Deserialize<ErasureOutput>(status.Output!.Value.GetRawText()).Runs[0].Patch
        );

        var (local, fromPipeline) = await pipeline.RebuildAsync(
            run.Patch!,
            new ErasureRequest
            {
                ModelDirectory = "",
                OutputDirectory = "",
                Concepts = new[] { "nudity" },
                Preset = "nudity",
            }
        );
        var expected = PipelineTestKit.HashTree(local, NotModel);
        Assert.Equal(expected.Keys.Order(), PipelineTestKit.HashTree(fromPipeline, NotModel).Keys.Order());
        Assert.Equal(expected, PipelineTestKit.HashTree(fromPipeline, NotModel));
    }

    [Fact]
    public async Task AMalformedRequestBlobGetsAFailedResultDocumentNamingTheProblemAndIsKept()
    {
        await using var pipeline = await PipelineHarness.CreateAsync(azurite);
        await pipeline.StartServeAsync(workers: 0);
        var requests = pipeline.Container(StorageNames.Requests);
        const string empty = """{ "model": "tiny", "concepts": [], "colour": "red" }""";
        const string missingModel = """{ "model": "sd-v9", "concepts": ["cat"] }""";
        const string notJson = "model: tiny";
        await requests.GetBlobClient("bad/empty.json").UploadAsync(BinaryData.FromString(empty));
        await requests.GetBlobClient("missing-model.json").UploadAsync(BinaryData.FromString(missingModel));
        await requests.GetBlobClient("not-json.json").UploadAsync(BinaryData.FromString(notJson));

        var first = await pipeline.WaitForResultDocumentAsync("bad/empty.json", TimeSpan.FromSeconds(30));
        Assert.Equal("Failed", first.RuntimeStatus);
        Assert.Null(first.InstanceId);
        Assert.Equal(new[] { "colour", "concepts" }, first.Errors!.Select(e => e.Field).Order());
        Assert.Contains("concepts: name at least one concept", first.Output!.Value.GetString());
        var second = await pipeline.WaitForResultDocumentAsync("missing-model.json", TimeSpan.FromSeconds(30));
        Assert.Contains("no folder \"sd-v9/\"", Assert.Single(second.Errors!).Message);
        var third = await pipeline.WaitForResultDocumentAsync("not-json.json", TimeSpan.FromSeconds(30));
        Assert.Contains("not valid JSON", third.Output!.Value.GetString());

        Assert.Equal(
            empty,
            (await requests.GetBlobClient("bad/empty.json").DownloadContentAsync()).Value.Content.ToString()
        );
        Assert.Equal(
            missingModel,
            (await requests.GetBlobClient("missing-model.json").DownloadContentAsync()).Value.Content.ToString()
        );
        Assert.Empty(await PipelineTestKit.ListAsync(pipeline.Container(StorageNames.Checkpoints), ""));
    }
}

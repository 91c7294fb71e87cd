using Microsoft.DurableTask.Client;
using Rece.Orchestration;
using Rece.Orchestration.Jobs;
using Rece.Testing;

namespace Rece.Storage.Tests;

[Collection(AzuriteCollection.Name)]
public class AzuriteStorageTests(AzuriteFixture azurite)
{
    private async Task<StorageAccount> AccountAsync()
    {
        var account = StorageAccount.Parse(azurite.NewAccount());
        await account.EnsureCreatedAsync();
        return account;
    }

    [Fact]
    public async Task CreateOnlyWritesTakeIdenticalBytesAsTheirOwnAndRefuseOthers()
    {
        var account = await AccountAsync();
        var blob = account.Container(StorageNames.Checkpoints).GetBlobClient("x/y.bin");
        Assert.Equal(
            CreateOnlyBlobs.Outcome.Created,
            await CreateOnlyBlobs.WriteAsync(blob, BinaryData.FromString("abc"), "application/octet-stream")
        );
        var etag = (await blob.GetPropertiesAsync()).Value.ETag;
        Assert.Equal(
            CreateOnlyBlobs.Outcome.AlreadyIdentical,
            await CreateOnlyBlobs.WriteAsync(blob, BinaryData.FromString("abc"), "application/octet-stream")
        );
        await Assert.ThrowsAsync<BlobConflictException>(() =>
            CreateOnlyBlobs.WriteAsync(blob, BinaryData.FromString("abd"), "application/octet-stream")
        );
        Assert.Equal(etag, (await blob.GetPropertiesAsync()).Value.ETag);
        Assert.False(await CreateOnlyBlobs.TryCreateAsync(blob, BinaryData.FromString("new"), "text/plain"));
        Assert.Equal("abc", (await blob.DownloadContentAsync()).Value.Content.ToString());
    }

    [Fact]
    public async Task ACheckpointIsCommittedByItsMarkerOnceAndReadBackVerified()
    {
        var account = await AccountAsync();
        var store = new CheckpointStore(account);
        const string prefix = "checkpoints/inst/run-0/epoch-0/";
        Assert.Null(await store.TryReadMarkerAsync(prefix));
        var measures = new[] { new StageMeasure("uce", 0.5, 0.01, 0.1, 0.2) };

        var (marker, committed) = await store.CommitAsync(
            prefix,
            "inst/run-0/epoch-0",
            0,
            BinaryData.FromString("patch"),
            BinaryData.FromString("state"),
            measures,
            "w1"
        );
        var (again, committedAgain) = await store.CommitAsync(
            prefix,
            "inst/run-0/epoch-0",
            0,
            BinaryData.FromString("patch"),
            BinaryData.FromString("state"),
            new[] { measures[0] with { Seconds = 9 } },
            "w2"
        );

        Assert.True(committed);
        Assert.False(committedAgain);
        Assert.Equal("w1", again.Worker);
        Assert.Equal(0.2, again.Measures[0].Seconds);
        Assert.Equal("checkpoints/inst/run-0/epoch-0/rece-patch.safetensors", marker.Patch.Path);
        Assert.Equal("state", (await store.ReadVerifiedAsync(marker.State)).ToString());
        var info = CheckpointStore.ToInfo(prefix, (await store.TryReadMarkerAsync(prefix))!);
        Assert.Equal(marker.Patch.Path, info.Patch);
        await Assert.ThrowsAsync<BlobConflictException>(() =>
            store.CommitAsync(
                prefix,
                "inst/run-0/epoch-0",
                0,
                BinaryData.FromString("other"),
                BinaryData.FromString("state"),
                measures,
                "w3"
            )
        );
        await account
            .Container(StorageNames.Checkpoints)
            .GetBlobClient("inst/run-0/epoch-0/state.safetensors")
            .UploadAsync(BinaryData.FromString("tampered"), overwrite: true);
        await Assert.ThrowsAsync<InvalidDataException>(() => store.ReadVerifiedAsync(marker.State));
    }

    [Fact]
    public async Task TheTaskHubClientStartsQueriesRaisesTerminatesAndPurgesOnTheAzureStorageBackend()
    {
        var account = await AccountAsync();
        var service = TaskHub.CreateService(account, new TaskHubOptions { Name = "clienttest" });
        await service.CreateIfNotExistsAsync();
        var client = new TaskHubDurableClient(service, "clienttest");
        // No host runs the orchestration here: the client's own messages and the instance table are what is tested.
        string id = await client.ScheduleNewOrchestrationInstanceAsync(
            TaskNames.ErasureOrchestrator,
            new { hello = "world" },
            new Microsoft.DurableTask.StartOrchestrationOptions("fixed-id")
        );
        Assert.Equal("fixed-id", id);
        var metadata = await client.GetInstanceAsync(id, getInputsAndOutputs: true);
        Assert.Equal(OrchestrationRuntimeStatus.Pending, metadata!.RuntimeStatus);
        Assert.Equal("""{"hello":"world"}""", metadata.SerializedInput);
        await Assert.ThrowsAnyAsync<Exception>(() =>
            client.ScheduleNewOrchestrationInstanceAsync(
                TaskNames.ErasureOrchestrator,
                null,
                new Microsoft.DurableTask.StartOrchestrationOptions("fixed-id")
            )
        );
        await client.RaiseSerializedEventAsync(id, "e", "{}");
        var listed = new List<string>();
        await foreach (
            var instance in client.GetAllInstancesAsync(
                new OrchestrationQuery { Statuses = new[] { OrchestrationRuntimeStatus.Pending } }
            )
        )
            listed.Add(instance.InstanceId);
        Assert.Equal(new[] { id }, listed);
        Assert.Null(await client.GetInstanceAsync("absent"));
        var purge = await client.PurgeInstanceAsync("absent");
        Assert.Equal(0, purge.PurgedInstanceCount);
    }
}

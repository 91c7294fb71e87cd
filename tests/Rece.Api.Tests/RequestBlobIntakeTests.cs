using Azure;
using Rece.Orchestration;
using Rece.Storage;
using Rece.Testing;

namespace Rece.Api.Tests;

/// <summary>Request blobs are judged by name and size before their content is read; hostile names write nothing
/// anywhere.</summary>
[Collection(AzuriteCollection.Name)]
public class RequestBlobIntakeTests(AzuriteFixture azurite)
{
    private const string Valid = """{"model": "tiny", "concepts": ["cat"]}""";

    private static async Task<ErasureStatusDocument> ResultAsync(ApiTestKit kit, string blob) =>
        PipelineJson.Deserialize<ErasureStatusDocument>(
            (
                await kit.Account.Container(StorageNames.Results).GetBlobClient(blob).DownloadContentAsync()
            ).Value.Content.ToString()
        );

    [Fact]
    public async Task ABlobListedAsTooLargeIsRefusedFromTheListingAloneWithAFailedResult()
    {
        var kit = await ApiTestKit.CreateAsync(azurite);
        // Nothing by this name exists: had the intake tried to read it, the blob's absence would have made it
        // "Ignored".
        var result = await kit.Intake.StartFromListedBlobAsync(kit.Client, "huge.json", 5L << 20, new ETag("\"0x1\""));

        Assert.Equal(IntakeOutcome.Rejected, result.Outcome);
        Assert.Contains("5242880 bytes", Assert.Single(result.Errors).Message);
        var document = await ResultAsync(kit, "huge.json");
        Assert.Equal(("Failed", "huge.json"), (document.RuntimeStatus, document.Request!.Blob));
        Assert.Equal(0, await kit.InstanceCountAsync());
    }

    [Fact]
    public async Task AnEventAnnouncingATooLargeBlobIsRefusedWithoutReadingIt()
    {
        var kit = await ApiTestKit.CreateAsync(azurite);
        var result = await kit.Intake.StartFromBlobNameAsync(kit.Client, "announced.json", announcedLength: 3L << 20);
        Assert.Equal(IntakeOutcome.Rejected, result.Outcome);
        Assert.Contains("not read", Assert.Single(result.Errors).Message);
        Assert.Equal(new[] { "announced.json" }, await kit.BlobsAsync(StorageNames.Results));
    }

    [Fact]
    public async Task ATooLargeRequestBlobIsRefusedFromItsPropertiesAndKept()
    {
        var kit = await ApiTestKit.CreateAsync(azurite);
        var blob = kit.Account.Container(StorageNames.Requests).GetBlobClient("team/big.json");
        // Valid JSON all the way (a request followed by 2 MiB of whitespace): only the size can refuse it.
        await blob.UploadAsync(BinaryData.FromString(Valid + new string(' ', 2 << 20)));

        var result = await kit.Intake.StartFromBlobNameAsync(kit.Client, "team/big.json");

        Assert.Equal(IntakeOutcome.Rejected, result.Outcome);
        Assert.Contains("at most 1048576 bytes", Assert.Single(result.Errors).Message);
        Assert.Equal("Failed", (await ResultAsync(kit, "team/big.json")).RuntimeStatus);
        Assert.True(await blob.ExistsAsync());
        Assert.Equal(0, await kit.InstanceCountAsync());
    }

    [Fact]
    public async Task ABlobReplacedSinceItWasListedIsLeftForTheNextListing()
    {
        var kit = await ApiTestKit.CreateAsync(azurite);
        var blob = kit.Account.Container(StorageNames.Requests).GetBlobClient("changing.json");
        var listed = (await blob.UploadAsync(BinaryData.FromString(Valid))).Value.ETag;
        await blob.UploadAsync(BinaryData.FromString(Valid.Replace("cat", "dog")), overwrite: true);

        var result = await kit.Intake.StartFromListedBlobAsync(kit.Client, "changing.json", Valid.Length, listed);

        Assert.Equal(IntakeOutcome.Ignored, result.Outcome);
        Assert.Equal(0, await kit.InstanceCountAsync());
        Assert.Equal(
            IntakeOutcome.Started,
            (await kit.Intake.StartFromBlobNameAsync(kit.Client, "changing.json")).Outcome
        );
    }

    [Theory]
    [InlineData("../checkpoints/x.json")]
    [InlineData("team/../../reports/x.json")]
    [InlineData("./x.json")]
    [InlineData("a//b.json")]
    [InlineData("/rooted.json")]
    [InlineData("dir./x.json")]
    [InlineData("back\\..\\slash.json")]
    [InlineData("ctl\u0001.json")]
    [InlineData("new\nline.json")]
    public async Task APathClimbingOrControlCharacterNameStartsNothingAndWritesNothing(string name)
    {
        var kit = await ApiTestKit.CreateAsync(azurite);

        var fromContent = await kit.Intake.StartFromBlobAsync(
            kit.Client,
            name,
            BinaryData.FromString(Valid),
            "\"0x1\""
        );
        var fromEvent = await kit.Intake.StartFromBlobNameAsync(kit.Client, name, announcedLength: 5L << 20);
        var fromListing = await kit.Intake.StartFromListedBlobAsync(kit.Client, name, 5L << 20, new ETag("\"0x1\""));

        Assert.All(new[] { fromContent, fromEvent, fromListing }, r => Assert.Equal(IntakeOutcome.Ignored, r.Outcome));
        Assert.Contains("no result written", fromContent.Note);
        Assert.Equal(0, await kit.InstanceCountAsync());
        foreach (
            var container in new[]
            {
                StorageNames.Results,
                StorageNames.Checkpoints,
                StorageNames.Reports,
                StorageNames.Models,
            }
        )
            Assert.DoesNotContain(await kit.BlobsAsync(container), n => n != "tiny/model_index.json");
    }

    [Fact]
    public async Task AnOverlongNameIsIgnoredAndALoneSurrogateToo()
    {
        var kit = await ApiTestKit.CreateAsync(azurite);
        var overlong = await kit.Intake.StartFromBlobAsync(
            kit.Client,
            new string('a', ErasureIntake.MaxBlobNameLength) + ".json",
            BinaryData.FromString(Valid),
            null
        );
        var surrogate = await kit.Intake.StartFromBlobAsync(
            kit.Client,
            "x\ud800.json",
            BinaryData.FromString(Valid),
            null
        );
        Assert.Equal((IntakeOutcome.Ignored, IntakeOutcome.Ignored), (overlong.Outcome, surrogate.Outcome));
        Assert.Empty(await kit.BlobsAsync(StorageNames.Results));
        Assert.Equal(0, await kit.InstanceCountAsync());
    }
}

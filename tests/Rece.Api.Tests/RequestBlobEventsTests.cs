using System.Text;
using Rece.Storage;

namespace Rece.Api.Tests;

public class RequestBlobEventsTests
{
    private static string Event(string subject, string type = RequestBlobEvents.BlobCreated) =>
        $$"""{"id":"1","topic":"/subscriptions/x/resourceGroups/g/providers/Microsoft.Storage/storageAccounts/a","subject":"{{subject}}","eventType":"{{type}}","eventTime":"2026-11-25T00:00:00Z","data":{"api":"PutBlob","url":"https://a.blob.core.windows.net/erasure-requests/x.json","eTag":"0x1"},"dataVersion":"","metadataVersion":"1"}""";

    private const string Request = "/blobServices/default/containers/" + StorageNames.Requests + "/blobs/";

    [Fact]
    public void APlainEventNamesItsRequestBlob() =>
        Assert.Equal(
            new[] { "team-a/run 1.json" },
            RequestBlobEvents.RequestBlobNames(Event(Request + "team-a/run 1.json"))
        );

    [Fact]
    public void ABase64EncodedMessageAndAnArrayOfEventsAreRead()
    {
        string array = $"[{Event(Request + "a.json")},{Event(Request + "b.json")}]";
        Assert.Equal(new[] { "a.json", "b.json" }, RequestBlobEvents.RequestBlobNames(array));
        Assert.Equal(
            new[] { "a.json", "b.json" },
            RequestBlobEvents.RequestBlobNames(Convert.ToBase64String(Encoding.UTF8.GetBytes(array)))
        );
    }

    [Fact]
    public void OtherEventsAndOtherContainersAreIgnored()
    {
        Assert.Empty(RequestBlobEvents.RequestBlobNames(Event(Request + "a.json", "Microsoft.Storage.BlobDeleted")));
        Assert.Empty(
            RequestBlobEvents.RequestBlobNames(
                Event("/blobServices/default/containers/erasure-requests-archive/blobs/a.json")
            )
        );
        Assert.Empty(RequestBlobEvents.RequestBlobNames(Event("/blobServices/default/containers/models/blobs/a.json")));
        Assert.Empty(RequestBlobEvents.RequestBlobNames(Event(Request)));
    }

    [Fact]
    public void AMessageThatIsNoEventIsAFormatError()
    {
        Assert.Throws<FormatException>(() => RequestBlobEvents.RequestBlobNames("not an event"));
        Assert.Throws<FormatException>(() => RequestBlobEvents.RequestBlobNames("{ broken"));
    }

    [Fact]
    public void TheEventsContentLengthComesWithTheName()
    {
        string sized =
            $$$"""{"subject":"{{{Request}}}big.json","eventType":"{{{RequestBlobEvents.BlobCreated}}}","data":{"contentLength": 5242880}}""";
        Assert.Equal(new[] { new AnnouncedBlob("big.json", 5_242_880) }, RequestBlobEvents.RequestBlobs(sized));
        Assert.Equal(
            new[] { new AnnouncedBlob("x.json", null) },
            RequestBlobEvents.RequestBlobs(Event(Request + "x.json"))
        );
    }

    [Theory]
    [InlineData("""{"eventType": 7, "subject": "/blobServices/default/containers/erasure-requests/blobs/a.json"}""")]
    [InlineData("""{"eventType": "Microsoft.Storage.BlobCreated", "subject": ["a"]}""")]
    [InlineData(
        """{"eventType": "Microsoft.Storage.BlobCreated", "subject": "/blobServices/default/containers/erasure-requests/blobs/a.json", "data": {"contentLength": "huge"}}"""
    )]
    [InlineData("""[1, "two", null, {"eventType": null}]""")]
    public void EventsWithFieldsOfTheWrongTypeAreSkippedNotThrown(string message)
    {
        var blobs = RequestBlobEvents.RequestBlobs(message);
        Assert.All(blobs, b => Assert.Null(b.ContentLength));
        Assert.True(blobs.Count <= 1);
    }
}

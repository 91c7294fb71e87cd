using Rece.Infra.Tests.Arm;
using static Rece.Infra.Tests.Deployment;

namespace Rece.Infra.Tests;

[Collection(InfraCollection.Name)]
public sealed class EventRouteTests(CompiledInfra infra)
{
    [Fact]
    public void OnlyBlobCreatedEventsOfJsonBlobsInTheRequestContainerAreSubscribed()
    {
        var filter = Obj(new Deployment(infra.Main()).EventSubscription.Get("properties.filter"));

        Assert.Equal(["Microsoft.Storage.BlobCreated"], List(filter["includedEventTypes"]));
        Assert.Equal(
            $"/blobServices/default/containers/{PipelineContract.RequestsContainer}/blobs/",
            filter["subjectBeginsWith"]
        );
        Assert.Equal(PipelineContract.RequestBlobSuffix, filter["subjectEndsWith"]);
    }

    [Theory]
    [InlineData("/blobServices/default/containers/erasure-requests/blobs/run-1.json", true)]
    [InlineData("/blobServices/default/containers/erasure-requests/blobs/team/a/run 2.JSON", true)]
    [InlineData("/blobServices/default/containers/erasure-requests/blobs/run-1.json.tmp", false)]
    [InlineData("/blobServices/default/containers/erasure-requests/blobs/notes.txt", false)]
    [InlineData("/blobServices/default/containers/erasure-requests-archive/blobs/run-1.json", false)]
    [InlineData("/blobServices/default/containers/erasure-results/blobs/run-1.json", false)]
    [InlineData("/blobServices/default/containers/models/blobs/sd-v1-4/model_index.json", false)]
    public void TheFilterSelectsExactlyTheRequestBlobs(string subject, bool delivered)
    {
        // Event Grid subject filters are plain prefix and suffix matches, case-insensitive unless the
        // subscription says otherwise.
        var filter = Obj(new Deployment(infra.Main()).EventSubscription.Get("properties.filter"));
        var comparison =
            filter.TryGetValue("isSubjectCaseSensitive", out var sensitive) && sensitive is true
                ? StringComparison.Ordinal
                : StringComparison.OrdinalIgnoreCase;

        bool matches =
            subject.StartsWith((string)filter["subjectBeginsWith"]!, comparison)
            && subject.EndsWith((string)filter["subjectEndsWith"]!, comparison);

        Assert.Equal(delivered, matches);
    }

    [Fact]
    public void EventsGoToTheRequestEventQueueWithTheTopicsOwnIdentityAndNoKey()
    {
        var deployment = new Deployment(infra.Main());
        var subscription = deployment.EventSubscription;
        string accountId = Text(
            new Unresolved("resourceId", ["Microsoft.Storage/storageAccounts", deployment.StorageAccount.Name])
        );

        // A webhook destination would need the Functions blobs_extension system key in its URL.
        Assert.Null(subscription.Raw("properties.destination"));
        var delivery = Obj(subscription.Get("properties.deliveryWithResourceIdentity"));
        Assert.Equal("SystemAssigned", Obj(delivery["identity"])["type"]);
        var destination = Obj(delivery["destination"]);
        Assert.Equal("StorageQueue", destination["endpointType"]);
        var properties = Obj(destination["properties"]);
        Assert.Equal(accountId, Text(properties["resourceId"]));
        Assert.Equal(PipelineContract.RequestEventsQueue, properties["queueName"]);
        Assert.Equal(-1L, properties["queueMessageTimeToLiveInSeconds"]);

        var topic = deployment.SystemTopic;
        Assert.Equal("SystemAssigned", topic.Get("identity.type"));
        Assert.Equal(accountId, Text(topic.Get("properties.source")));
        Assert.Equal("Microsoft.Storage.StorageAccounts", topic.Get("properties.topicType"));
    }

    [Fact]
    public void TheRequestEventQueueIsCreatedWithTheAccount()
    {
        var queues = new Deployment(infra.Main())
            .Resources.Where(r => r.Type == "Microsoft.Storage/storageAccounts/queueServices/queues")
            .Select(r => r.LeafName)
            .ToList();

        Assert.Contains(PipelineContract.RequestEventsQueue, queues);
        Assert.Contains(PipelineContract.GpuJobsQueue, queues);
    }
}

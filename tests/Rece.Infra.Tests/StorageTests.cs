using static Rece.Infra.Tests.Deployment;

namespace Rece.Infra.Tests;

[Collection(InfraCollection.Name)]
public sealed class StorageTests(CompiledInfra infra)
{
    [Fact]
    public void AccountIsStorageV2WithSharedKeyAccessDisabled()
    {
        var account = new Deployment(infra.Main()).StorageAccount;

        Assert.Equal("StorageV2", account.Get("kind"));
        var properties = Obj(account.Get("properties"));
        Assert.Equal(false, properties["allowSharedKeyAccess"]);
        Assert.Equal(true, properties["defaultToOAuthAuthentication"]);
        Assert.Equal(false, properties["allowBlobPublicAccess"]);
        Assert.Equal("TLS1_2", properties["minimumTlsVersion"]);
        Assert.Equal(true, properties["supportsHttpsTrafficOnly"]);
    }

    [Fact]
    public void ThePipelinesContainersQueuesAndTaskHubTablesAreCreated()
    {
        var resources = new Deployment(infra.Main()).Resources;
        List<string?> Names(string type) => resources.Where(r => r.Type == type).Select(r => r.LeafName).ToList();

        // The task hub's and the Functions host's containers too: an app with only scoped roles cannot create them.
        Assert.Equal(
            PipelineContract
                .Containers.Concat([
                    "rece-largemessages",
                    "rece-leases",
                    "rece-applease",
                    "azure-webjobs-hosts",
                    "azure-webjobs-secrets",
                ])
                .Order(),
            Names("Microsoft.Storage/storageAccounts/blobServices/containers").Order()
        );
        Assert.Equal(
            new[]
            {
                PipelineContract.GpuJobsQueue,
                PipelineContract.RequestEventsQueue,
                PipelineContract.RequestEventsQueue + "-poison",
                "rece-control-00",
                "rece-control-01",
                "rece-control-02",
                "rece-control-03",
                "rece-workitems",
            }.Order(),
            Names("Microsoft.Storage/storageAccounts/queueServices/queues").Order()
        );
        Assert.Equal(
            new[] { "receInstances", "receHistory", "recePartitions" }.Order(),
            Names("Microsoft.Storage/storageAccounts/tableServices/tables").Order()
        );
    }

    [Fact]
    public void TaskHubArtefactsFollowTheHubNameAndPartitionCount()
    {
        var resources = new Deployment(
            infra.Main(("taskHubName", "ReceStaging"), ("taskHubPartitionCount", 2L))
        ).Resources;

        var queues = resources
            .Where(r => r.Type.EndsWith("/queues", StringComparison.Ordinal))
            .Select(r => r.LeafName)
            .ToList();
        var tables = resources
            .Where(r => r.Type.EndsWith("/tables", StringComparison.Ordinal))
            .Select(r => r.LeafName)
            .ToList();

        // Durable's Azure Storage backend lowercases the hub in queue names (queues allow no capitals).
        Assert.Equal(
            new[]
            {
                PipelineContract.GpuJobsQueue,
                PipelineContract.RequestEventsQueue,
                PipelineContract.RequestEventsQueue + "-poison",
                "recestaging-control-00",
                "recestaging-control-01",
                "recestaging-workitems",
            }.Order(),
            queues.Order()
        );
        var containers = resources
            .Where(r => r.Type.EndsWith("/containers", StringComparison.Ordinal))
            .Select(r => r.LeafName)
            .ToList();
        Assert.Contains("recestaging-largemessages", containers);
        Assert.Equal(
            new[] { "ReceStagingInstances", "ReceStagingHistory", "ReceStagingPartitions" }.Order(),
            tables.Order()
        );
        Assert.Equal(
            "ReceStaging",
            Settings(new Deployment(infra.Main(("taskHubName", "ReceStaging"))).FunctionApp)[
                PipelineContract.TaskHubSetting
            ]
        );
    }

    [Fact]
    public void WithoutNetworkRulesTheAccountTakesAnyNetworkAndWithThemDeniesTheRest()
    {
        var open = Obj(new Deployment(infra.Main()).StorageAccount.Get("properties.networkAcls"));
        Assert.Equal("Allow", open["defaultAction"]);
        Assert.Empty(List(open["ipRules"]));

        var restricted = Obj(
            new Deployment(
                infra.Main(
                    ("allowedIpRanges", new List<object?> { "203.0.113.0/24" }),
                    (
                        "allowedSubnetIds",
                        new List<object?>
                        {
                            "/subscriptions/s/resourceGroups/g/providers/Microsoft.Network/virtualNetworks/v/subnets/apps",
                        }
                    )
                )
            ).StorageAccount.Get("properties.networkAcls")
        );
        Assert.Equal("Deny", restricted["defaultAction"]);
        Assert.Equal("AzureServices", restricted["bypass"]);
        var rule = Obj(Assert.Single(List(restricted["ipRules"])));
        Assert.Equal(("203.0.113.0/24", "Allow"), (rule["value"], rule["action"]));
        Assert.Equal(
            "/subscriptions/s/resourceGroups/g/providers/Microsoft.Network/virtualNetworks/v/subnets/apps",
            Obj(Assert.Single(List(restricted["virtualNetworkRules"])))["id"]
        );

        var ipOnly = Obj(
            new Deployment(infra.Main(("allowedIpRanges", new List<object?> { "198.51.100.7" }))).StorageAccount.Get(
                "properties.networkAcls"
            )
        );
        Assert.Equal("Deny", ipOnly["defaultAction"]);
    }
}

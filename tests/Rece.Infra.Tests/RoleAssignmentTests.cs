using Rece.Infra.Tests.Arm;
using static Rece.Infra.Tests.Deployment;

namespace Rece.Infra.Tests;

[Collection(InfraCollection.Name)]
public sealed class RoleAssignmentTests(CompiledInfra infra)
{
    private const string BlobDataContributor = "ba92f5b4-2d11-453d-a403-e96b0029c9fe";
    private const string QueueDataContributor = "974c5e8b-45b9-4653-ba55-5f855dd0fb88";
    private const string TableDataContributor = "0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3";
    private const string QueueMessageSender = "c6a89b2d-59bc-44d0-9896-0f6e12d7b80a";
    private const string AcrPull = "7f951dda-4ed3-4680-a7ca-43fe172d538d";
    private const string MetricsPublisher = "3913510d-42f4-4e42-8a64-420c390055eb";

    [Fact]
    public void EveryRoleIsALeastPrivilegeRoleScopedToItsResource()
    {
        var grants = InfraChecks.RoleGrants(infra.Main());

        var problems = InfraChecks.RoleProblems(grants).ToList();
        Assert.True(problems.Count == 0, string.Join('\n', problems));
        Assert.Equal(
            new[] { BlobDataContributor, QueueDataContributor, TableDataContributor, QueueMessageSender, AcrPull, MetricsPublisher }.Order(),
            grants.Select(g => g.RoleId!).Order());
    }

    [Fact]
    public void TheAppIdentityGetsBlobQueueAndTableDataRolesOnThePipelineAccountOnly()
    {
        var deployment = new Deployment(infra.Main());
        string account = Text(deployment.StorageAccount.Name);
        string identityPrincipal = $"reference({deployment.IdentityId}, '2024-11-30').principalId";

        foreach (var role in new[] { BlobDataContributor, QueueDataContributor, TableDataContributor })
        {
            var grant = Assert.Single(InfraChecks.RoleGrants(deployment.Main), g => g.RoleId == role);
            var scope = Assert.IsType<Unresolved>(grant.Scope);
            Assert.Equal(["Microsoft.Storage/storageAccounts", account], scope.Arguments.Select(Text).Select(t => t.Trim('\'')));
            Assert.Equal(identityPrincipal, Text(grant.Principal));
        }
    }

    [Fact]
    public void TheAppIdentityMayPullFromTheRegistryAndPublishTelemetry()
    {
        var deployment = new Deployment(infra.Main());
        string identityPrincipal = $"reference({deployment.IdentityId}, '2024-11-30').principalId";
        var grants = InfraChecks.RoleGrants(deployment.Main);

        var pull = Assert.Single(grants, g => g.RoleId == AcrPull);
        Assert.Equal(Text(new Unresolved("resourceId", ["Microsoft.ContainerRegistry/registries", deployment.Registry.Name])), Text(pull.Scope));
        Assert.Equal(identityPrincipal, Text(pull.Principal));

        var publish = Assert.Single(grants, g => g.RoleId == MetricsPublisher);
        Assert.Equal(Text(new Unresolved("resourceId", ["Microsoft.Insights/components", deployment.One("Microsoft.Insights/components").Name])), Text(publish.Scope));
        Assert.Equal(identityPrincipal, Text(publish.Principal));
    }

    [Fact]
    public void EventGridMayOnlySendMessagesToTheRequestEventQueue()
    {
        var deployment = new Deployment(infra.Main());
        var grant = Assert.Single(InfraChecks.RoleGrants(deployment.Main), g => g.RoleId == QueueMessageSender);

        var scope = Assert.IsType<Unresolved>(grant.Scope);
        Assert.Equal(
            ["Microsoft.Storage/storageAccounts/queueServices/queues", Text(deployment.StorageAccount.Name).Trim('\''), "default", PipelineContract.RequestEventsQueue],
            scope.Arguments.Select(a => Text(a).Trim('\'')));
        // The system topic's own identity, not the apps' one.
        Assert.StartsWith($"reference({Text(new Unresolved("resourceId", ["Microsoft.EventGrid/systemTopics", deployment.SystemTopic.Name]))}", Text(grant.Principal));
        Assert.EndsWith(".identity.principalId", Text(grant.Principal));
    }

    [Fact]
    public void BroadOrMisplacedRolesAreCaught()
    {
        var account = new Unresolved("resourceId", ["Microsoft.Storage/storageAccounts", "st"]);
        var grants = new[]
        {
            new InfraChecks.RoleGrant("owner", "8e3af657-a8ff-443c-a75c-2fe8c4bcb635", account, "p"),
            new InfraChecks.RoleGrant("contributor", "b24988ac-6180-42a0-ab88-20f7382dd24c", account, "p"),
            new InfraChecks.RoleGrant("group-wide", BlobDataContributor, null, "p"),
            new InfraChecks.RoleGrant("wrong-resource", BlobDataContributor, new Unresolved("resourceId", ["Microsoft.ContainerRegistry/registries", "cr"]), "p"),
            new InfraChecks.RoleGrant("sender-on-account", QueueMessageSender, account, "p"),
            new InfraChecks.RoleGrant("fine", TableDataContributor, account, "p"),
        };

        var problems = InfraChecks.RoleProblems(grants).ToList();

        Assert.Equal(5, problems.Count);
        Assert.DoesNotContain(problems, p => p.StartsWith("fine", StringComparison.Ordinal));
    }
}

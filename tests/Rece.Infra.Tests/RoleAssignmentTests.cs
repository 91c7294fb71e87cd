using Rece.Infra.Tests.Arm;
using static Rece.Infra.Tests.Deployment;

namespace Rece.Infra.Tests;

[Collection(InfraCollection.Name)]
public sealed class RoleAssignmentTests(CompiledInfra infra)
{
    private const string BlobDataContributor = "ba92f5b4-2d11-453d-a403-e96b0029c9fe";
    private const string BlobDataReader = "2a2b9908-6ea1-4ae2-8e65-a410df84e7d1";
    private const string QueueDataContributor = "974c5e8b-45b9-4653-ba55-5f855dd0fb88";
    private const string TableDataContributor = "0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3";
    private const string QueueMessageSender = "c6a89b2d-59bc-44d0-9896-0f6e12d7b80a";
    private const string AcrPull = "7f951dda-4ed3-4680-a7ca-43fe172d538d";
    private const string MetricsPublisher = "3913510d-42f4-4e42-8a64-420c390055eb";

    private static readonly string[] HubQueues =
    [
        "rece-control-00",
        "rece-control-01",
        "rece-control-02",
        "rece-control-03",
        "rece-workitems",
    ];
    private static readonly string[] HubTables = ["receInstances", "receHistory", "recePartitions"];
    private static readonly string[] HubContainers = ["rece-largemessages", "rece-leases", "rece-applease"];

    /// <summary>A storage grant as "kind name role", e.g. "container models read", from a role assignment scoped to one
    /// container, queue or table.</summary>
    private static string Describe(InfraChecks.RoleGrant grant)
    {
        var scope = Assert.IsType<Unresolved>(grant.Scope);
        var arguments = scope.Arguments.Select(Text).Select(t => t.Trim('\'')).ToList();
        string kind = arguments[0] switch
        {
            "Microsoft.Storage/storageAccounts/blobServices/containers" => "container",
            "Microsoft.Storage/storageAccounts/queueServices/queues" => "queue",
            "Microsoft.Storage/storageAccounts/tableServices/tables" => "table",
            var other => other,
        };
        string role = grant.RoleId switch
        {
            BlobDataReader => "read",
            BlobDataContributor or QueueDataContributor or TableDataContributor => "write",
            QueueMessageSender => "send",
            var other => other ?? "?",
        };
        return $"{kind} {arguments[^1]} {role}";
    }

    private static List<string> StorageGrantsOf(Deployment deployment, string identityId) =>
        InfraChecks
            .RoleGrants(deployment.Main)
            .Where(g => Text(g.Principal) == PrincipalOf(identityId) && g.RoleId is not (AcrPull or MetricsPublisher))
            .Select(Describe)
            .Order()
            .ToList();

    [Fact]
    public void EveryRoleIsALeastPrivilegeRoleScopedToItsResource()
    {
        var grants = InfraChecks.RoleGrants(infra.Main());

        var problems = InfraChecks.RoleProblems(grants).ToList();
        Assert.True(problems.Count == 0, string.Join('\n', problems));
        Assert.Equal(
            new[]
            {
                BlobDataContributor,
                BlobDataReader,
                QueueDataContributor,
                TableDataContributor,
                QueueMessageSender,
                AcrPull,
                MetricsPublisher,
            }.Order(),
            grants.Select(g => g.RoleId!).Distinct().Order()
        );
    }

    [Fact]
    public void TheTwoAppsRunAsTwoIdentities()
    {
        var deployment = new Deployment(infra.Main());
        Assert.Equal(2, deployment.Resources.Count(r => r.Type == "Microsoft.ManagedIdentity/userAssignedIdentities"));
        Assert.NotEqual(deployment.FunctionAppIdentityId, deployment.GpuWorkerIdentityId);
    }

    [Fact]
    public void TheFunctionAppReachesOnlyWhatItsCodeTouches()
    {
        var deployment = new Deployment(infra.Main());

        var expected = new List<string>
        {
            $"container {PipelineContract.RequestsContainer} read",
            $"container {PipelineContract.ModelsContainer} read",
            $"container {PipelineContract.ResultsContainer} write",
            $"container {PipelineContract.ReportsContainer} write",
            $"container {PipelineContract.CheckpointsContainer} write",
            "container azure-webjobs-hosts write",
            "container azure-webjobs-secrets write",
            $"queue {PipelineContract.GpuJobsQueue} send",
            $"queue {PipelineContract.RequestEventsQueue} write",
            $"queue {PipelineContract.RequestEventsQueue}-poison write",
        };
        expected.AddRange(HubContainers.Select(c => $"container {c} write"));
        expected.AddRange(HubQueues.Select(q => $"queue {q} write"));
        expected.AddRange(HubTables.Select(t => $"table {t} write"));

        Assert.Equal(expected.Order(), StorageGrantsOf(deployment, deployment.FunctionAppIdentityId));
    }

    [Fact]
    public void TheGpuWorkerReachesOnlyWhatItsCodeTouchesAndNothingOfRequestsOrResults()
    {
        var deployment = new Deployment(infra.Main());

        var expected = new List<string>
        {
            $"container {PipelineContract.ModelsContainer} read",
            $"container {PipelineContract.CheckpointsContainer} write",
            $"container {PipelineContract.ReportsContainer} write",
            $"queue {PipelineContract.GpuJobsQueue} write",
        };
        expected.AddRange(HubContainers.Select(c => $"container {c} write"));
        expected.AddRange(HubQueues.Select(q => $"queue {q} write"));
        expected.AddRange(HubTables.Select(t => $"table {t} write"));

        var grants = StorageGrantsOf(deployment, deployment.GpuWorkerIdentityId);
        Assert.Equal(expected.Order(), grants);
        Assert.DoesNotContain(grants, g =>
            g.Contains(PipelineContract.RequestsContainer, StringComparison.Ordinal)
            || g.Contains(PipelineContract.ResultsContainer, StringComparison.Ordinal)
        );
    }

    [Fact]
    public void EveryScopedResourceIsCreatedByTheStorageModule()
    {
        var deployment = new Deployment(infra.Main());
        var created = deployment
            .Resources.Where(r => r.Type.StartsWith("Microsoft.Storage/storageAccounts/", StringComparison.Ordinal))
            .Select(r => $"{r.Type} {r.LeafName}")
            .ToHashSet();

        foreach (
            var grant in InfraChecks
                .RoleGrants(deployment.Main)
                .Where(g => g.RoleId is not (AcrPull or MetricsPublisher))
        )
        {
            var arguments = Assert
                .IsType<Unresolved>(grant.Scope)
                .Arguments.Select(Text)
                .Select(t => t.Trim('\''))
                .ToList();
            Assert.Contains($"{arguments[0]} {arguments[^1]}", created);
        }
    }

    [Fact]
    public void EachAppIdentityMayPullFromTheRegistryAndPublishTelemetry()
    {
        var deployment = new Deployment(infra.Main());
        var grants = InfraChecks.RoleGrants(deployment.Main);

        foreach (var identityId in new[] { deployment.FunctionAppIdentityId, deployment.GpuWorkerIdentityId })
        {
            var pull = Assert.Single(grants, g => g.RoleId == AcrPull && Text(g.Principal) == PrincipalOf(identityId));
            Assert.Equal(
                Text(
                    new Unresolved("resourceId", ["Microsoft.ContainerRegistry/registries", deployment.Registry.Name])
                ),
                Text(pull.Scope)
            );
            var publish = Assert.Single(grants, g =>
                g.RoleId == MetricsPublisher && Text(g.Principal) == PrincipalOf(identityId)
            );
            Assert.Equal(
                Text(
                    new Unresolved(
                        "resourceId",
                        ["Microsoft.Insights/components", deployment.One("Microsoft.Insights/components").Name]
                    )
                ),
                Text(publish.Scope)
            );
        }
    }

    [Fact]
    public void EventGridMayOnlySendMessagesToTheRequestEventQueue()
    {
        var deployment = new Deployment(infra.Main());
        string topic = Text(
            new Unresolved("resourceId", ["Microsoft.EventGrid/systemTopics", deployment.SystemTopic.Name])
        );
        var grant = Assert.Single(InfraChecks.RoleGrants(deployment.Main), g =>
            Text(g.Principal).StartsWith($"reference({topic}", StringComparison.Ordinal)
        );

        Assert.Equal(QueueMessageSender, grant.RoleId);
        var scope = Assert.IsType<Unresolved>(grant.Scope);
        Assert.Equal(
            [
                "Microsoft.Storage/storageAccounts/queueServices/queues",
                Text(deployment.StorageAccount.Name).Trim('\''),
                "default",
                PipelineContract.RequestEventsQueue,
            ],
            scope.Arguments.Select(a => Text(a).Trim('\''))
        );
        // The system topic's own identity, not an app's.
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
            new InfraChecks.RoleGrant(
                "wrong-resource",
                BlobDataContributor,
                new Unresolved("resourceId", ["Microsoft.ContainerRegistry/registries", "cr"]),
                "p"
            ),
            new InfraChecks.RoleGrant("sender-on-account", QueueMessageSender, account, "p"),
            new InfraChecks.RoleGrant("account-wide-blobs", BlobDataContributor, account, "p"),
            new InfraChecks.RoleGrant("account-wide-tables", TableDataContributor, account, "p"),
            new InfraChecks.RoleGrant(
                "queue-role-on-a-container",
                QueueDataContributor,
                new Unresolved(
                    "resourceId",
                    ["Microsoft.Storage/storageAccounts/blobServices/containers", "st", "default", "models"]
                ),
                "p"
            ),
            new InfraChecks.RoleGrant(
                "fine",
                TableDataContributor,
                new Unresolved(
                    "resourceId",
                    ["Microsoft.Storage/storageAccounts/tableServices/tables", "st", "default", "receHistory"]
                ),
                "p"
            ),
        };

        var problems = InfraChecks.RoleProblems(grants).ToList();

        Assert.Equal(8, problems.Count);
        Assert.DoesNotContain(problems, p => p.StartsWith("fine", StringComparison.Ordinal));
    }
}

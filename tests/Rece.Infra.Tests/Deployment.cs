using Rece.Infra.Tests.Arm;

namespace Rece.Infra.Tests;

/// <summary>The resources of one evaluated deployment of main.json that the tests look at.</summary>
internal sealed class Deployment(ArmScope main)
{
    public ArmScope Main { get; } = main;

    public List<ArmResource> Resources { get; } = InfraChecks.AllResources(main).ToList();

    public ArmResource One(string type) => Resources.Single(r => r.Type == type);

    public ArmResource StorageAccount => One("Microsoft.Storage/storageAccounts");

    public ArmResource Environment => One("Microsoft.App/managedEnvironments");

    public ArmResource EventSubscription => One("Microsoft.EventGrid/systemTopics/eventSubscriptions");

    public ArmResource SystemTopic => One("Microsoft.EventGrid/systemTopics");

    public ArmResource Registry => One("Microsoft.ContainerRegistry/registries");

    public ArmResource FunctionApp =>
        Resources.Single(r => r.Type == "Microsoft.App/containerApps" && r.Get("kind") is "functionapp");

    public ArmResource GpuWorker =>
        Resources.Single(r => r.Type == "Microsoft.App/containerApps" && r.Get("kind") is not "functionapp");

    /// <summary>The id main.bicep gives the Functions app's user-assigned identity.</summary>
    public string FunctionAppIdentityId => IdentityIdOf("functionAppIdentity");

    /// <summary>The id main.bicep gives the GPU worker's user-assigned identity.</summary>
    public string GpuWorkerIdentityId => IdentityIdOf("gpuWorkerIdentity");

    /// <summary>How a role assignment names the principal of an identity.</summary>
    public static string PrincipalOf(string identityId) => $"reference({identityId}, '2024-11-30').principalId";

    private string IdentityIdOf(string key) =>
        ArmValues.Render(
            new Unresolved(
                "resourceId",
                [
                    "Microsoft.ManagedIdentity/userAssignedIdentities",
                    Main.Variable("names") is Dictionary<string, object?> names ? names[key] : null,
                ]
            )
        );

    /// <summary>The single container's settings of a container app, name -> evaluated value.</summary>
    public static Dictionary<string, object?> Settings(ArmResource app)
    {
        var containers = (List<object?>)app.Get("properties.template.containers")!;
        var container = (Dictionary<string, object?>)Assert.Single(containers)!;
        return ((List<object?>)container["env"]!)
            .Cast<Dictionary<string, object?>>()
            .ToDictionary(
                e => (string)e["name"]!,
                e => e.TryGetValue("value", out var v) ? v : null,
                StringComparer.Ordinal
            );
    }

    public static Dictionary<string, object?> Obj(object? value) => Assert.IsType<Dictionary<string, object?>>(value);

    public static List<object?> List(object? value) => Assert.IsType<List<object?>>(value);

    public static string Text(object? value) => ArmValues.Render(value);
}

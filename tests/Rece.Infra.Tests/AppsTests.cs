using Rece.Infra.Tests.Arm;
using static Rece.Infra.Tests.Deployment;

namespace Rece.Infra.Tests;

[Collection(InfraCollection.Name)]
public sealed class AppsTests(CompiledInfra infra)
{
    [Fact]
    public void FunctionAppIsAFunctionsContainerAppOnConsumptionThatNeverScalesToZero()
    {
        var app = new Deployment(infra.Main()).FunctionApp;

        Assert.Equal("functionapp", app.Get("kind"));
        Assert.Equal("Consumption", app.Get("properties.workloadProfileName"));
        // Durable Functions on the Azure Storage backend is not autoscaled on Container Apps: one replica stays.
        Assert.Equal(1L, app.Get("properties.template.scale.minReplicas"));
        var ingress = Obj(app.Get("properties.configuration.ingress"));
        Assert.Equal(true, ingress["external"]);
        Assert.Equal(80L, ingress["targetPort"]);
        Assert.Equal(false, ingress["allowInsecure"]);
    }

    [Fact]
    public void FunctionAppConnectsToStorageWithTheManagedIdentity()
    {
        var deployment = new Deployment(infra.Main());
        var settings = Settings(deployment.FunctionApp);
        string clientId = $"reference({deployment.FunctionAppIdentityId}, '2024-11-30').clientId";

        Assert.Equal("dotnet-isolated", settings["FUNCTIONS_WORKER_RUNTIME"]);
        Assert.Equal(Text(deployment.StorageAccount.Name), Text(settings["AzureWebJobsStorage__accountName"]));
        Assert.Equal("managedidentity", settings["AzureWebJobsStorage__credential"]);
        Assert.Equal(clientId, Text(settings["AzureWebJobsStorage__clientId"]));
        Assert.Equal(clientId, Text(settings[PipelineContract.ClientIdSetting]));
        Assert.Equal(Text(deployment.StorageAccount.Name), Text(settings[PipelineContract.StorageSetting]));
        Assert.Equal(PipelineContract.TaskHub, settings[PipelineContract.TaskHubSetting]);
        Assert.Equal("blob", settings["AzureWebJobsSecretStorageType"]);
        Assert.Equal(
            deployment.FunctionAppIdentityId,
            Assert.Single(Obj(deployment.FunctionApp.Get("identity.userAssignedIdentities")).Keys)
        );
    }

    [Fact]
    public void BothAppsSendTelemetryWithEntraAuthentication()
    {
        var deployment = new Deployment(infra.Main());
        var appInsights = deployment.One("Microsoft.Insights/components");
        Assert.Equal(true, appInsights.Get("properties.DisableLocalAuth"));

        foreach (
            var (app, identityId) in new[]
            {
                (deployment.FunctionApp, deployment.FunctionAppIdentityId),
                (deployment.GpuWorker, deployment.GpuWorkerIdentityId),
            }
        )
        {
            string clientId = $"reference({identityId}, '2024-11-30').clientId";
            var settings = Settings(app);
            Assert.Equal(
                $"format('ClientId={{0}};Authorization=AAD', {clientId})",
                Text(settings["APPLICATIONINSIGHTS_AUTHENTICATION_STRING"])
            );
            Assert.Equal(
                Text(
                    new Unresolved(
                        "reference",
                        [
                            new Unresolved("resourceId", ["Microsoft.Insights/components", appInsights.Name]),
                            "2020-02-02",
                        ]
                    ).Member("ConnectionString")
                ),
                Text(settings["APPLICATIONINSIGHTS_CONNECTION_STRING"])
            );
        }
    }

    [Fact]
    public void GpuWorkerScalesFromZeroOnTheGpuJobsQueueWithTheManagedIdentity()
    {
        var deployment = new Deployment(infra.Main());
        var worker = deployment.GpuWorker;

        var scale = Obj(worker.Get("properties.template.scale"));
        Assert.Equal(0L, scale["minReplicas"]);
        Assert.Equal(infra.Main().Parameter("gpuMaxReplicas"), scale["maxReplicas"]);
        var rule = Obj(Assert.Single(List(scale["rules"])));
        var queue = Obj(rule["azureQueue"]);
        Assert.Equal(PipelineContract.GpuJobsQueue, queue["queueName"]);
        Assert.Equal(Text(deployment.StorageAccount.Name), Text(queue["accountName"]));
        Assert.Equal(infra.Main().Parameter("jobsPerReplica"), queue["queueLength"]);
        // KEDA authenticates as the app's user-assigned identity; no auth secret.
        Assert.Equal(deployment.GpuWorkerIdentityId, Text(queue["identity"]));
        Assert.False(queue.ContainsKey("auth"));
        Assert.Equal(
            deployment.GpuWorkerIdentityId,
            Assert.Single(Obj(worker.Get("identity.userAssignedIdentities")).Keys)
        );
        Assert.Null(worker.Raw("properties.configuration.ingress"));

        var settings = Settings(worker);
        Assert.Equal(Text(deployment.StorageAccount.Name), Text(settings[PipelineContract.StorageSetting]));
        Assert.Equal(PipelineContract.TaskHub, settings[PipelineContract.TaskHubSetting]);
        Assert.Equal(
            $"reference({deployment.GpuWorkerIdentityId}, '2024-11-30').clientId",
            Text(settings[PipelineContract.ClientIdSetting])
        );
    }

    [Fact]
    public void GpuProfileIsAParameterWithTheT4ByDefaultAndTheA100AsTheAlternative()
    {
        var parameter = infra.Template!["parameters"]!["gpuProfileType"]!;
        Assert.Equal("Consumption-GPU-NC8as-T4", (string?)parameter["defaultValue"]);
        Assert.Equal(
            ["Consumption-GPU-NC8as-T4", "Consumption-GPU-NC24-A100"],
            parameter["allowedValues"]!.AsArray().Select(v => (string)v!)
        );
        Assert.Equal("Consumption-GPU-NC8as-T4", infra.ParameterFile!["gpuProfileType"]);
    }

    [Theory]
    [InlineData("Consumption-GPU-NC8as-T4", "gpu-t4", 8L, "56Gi")]
    [InlineData("Consumption-GPU-NC24-A100", "gpu-a100", 24L, "220Gi")]
    public void GpuWorkerRunsAloneOnTheChosenServerlessGpuProfile(
        string profileType,
        string profileName,
        long cpu,
        string memory
    )
    {
        var deployment = new Deployment(infra.Main(("gpuProfileType", profileType)));

        var profiles = List(deployment.Environment.Get("properties.workloadProfiles")).Select(Obj).ToList();
        Assert.Equal(
            [("Consumption", "Consumption"), (profileName, profileType)],
            profiles.Select(p => ((string)p["name"]!, (string)p["workloadProfileType"]!))
        );
        Assert.Equal(profileName, deployment.GpuWorker.Get("properties.workloadProfileName"));
        var resources = Obj(
            Obj(Assert.Single(List(deployment.GpuWorker.Get("properties.template.containers"))))["resources"]
        );
        Assert.Equal(cpu, resources["cpu"]);
        Assert.Equal(memory, resources["memory"]);
    }

    [Fact]
    public void AppsPullTheImagesDeployShBuildsWithTheManagedIdentity()
    {
        var deployment = new Deployment(infra.Main());
        string loginServer = Text(
            new Unresolved(
                "reference",
                [
                    new Unresolved("resourceId", ["Microsoft.ContainerRegistry/registries", deployment.Registry.Name]),
                    "2025-11-01",
                ]
            ).Member("loginServer")
        );

        foreach (
            var (app, image, identityId) in new[]
            {
                (deployment.FunctionApp, PipelineContract.FunctionsImage, deployment.FunctionAppIdentityId),
                (deployment.GpuWorker, PipelineContract.WorkerImage, deployment.GpuWorkerIdentityId),
            }
        )
        {
            var registry = Obj(Assert.Single(List(app.Get("properties.configuration.registries"))));
            Assert.Equal(loginServer, Text(registry["server"]));
            Assert.Equal(identityId, Text(registry["identity"]));
            var container = Obj(Assert.Single(List(app.Get("properties.template.containers"))));
            Assert.Equal($"format('{{0}}/{image}:{{1}}', {loginServer}, 'test-tag')", Text(container["image"]));
        }
    }

    [Fact]
    public void WithoutAnImageTagTheAppsAreNotDeployedYet()
    {
        var main = infra.Main(("imageTag", ""));

        var apps = main.Resources()
            .Where(r => r.Type == "Microsoft.Resources/deployments" && r.Name is "functionApp" or "gpuWorker")
            .ToList();

        Assert.Equal(2, apps.Count);
        Assert.All(apps, app => Assert.False(app.Deployed));
        Assert.True(
            main.Resources()
                .Where(r => r.Name is "storage" or "registry" or "environment" or "events" or "monitoring")
                .All(r => r.Deployed)
        );
        Assert.Equal("", main.Output("apiBaseUrl"));
    }

    [Fact]
    public void OutputsGiveTheApiUrlTheStorageAccountAndTheContainers()
    {
        var deployment = new Deployment(infra.Main());

        Assert.Equal(
            $"format('https://{{0}}/api', {Text(new Unresolved("reference", [new Unresolved("resourceId", ["Microsoft.App/containerApps", deployment.FunctionApp.Name]), "2026-01-01"]).Member("configuration").Member("ingress").Member("fqdn"))})",
            Text(deployment.Main.Output("apiBaseUrl"))
        );
        Assert.Equal(Text(deployment.StorageAccount.Name), Text(deployment.Main.Output("storageAccountName")));
        var containers = Obj(deployment.Main.Output("containerNames"));
        Assert.Equal(PipelineContract.Containers.Order(), containers.Values.Cast<string>().Order());
        Assert.Equal(PipelineContract.RequestsContainer, containers["requests"]);
    }
}

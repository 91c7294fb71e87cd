using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using static Rece.Infra.Tests.Deployment;

namespace Rece.Infra.Tests;

/// <summary>The templates against the function app's own configuration files at the repository root.</summary>
[Collection(InfraCollection.Name)]
public sealed class AppConfigurationTests(CompiledInfra infra)
{
    private static JsonNode HostJson => JsonNode.Parse(Repo.Read("host.json"))!;

    private static JsonNode? DurableTask => HostJson["extensions"]?["durableTask"];

    private static string ConnectionName =>
        (string?)DurableTask?["storageProvider"]?["connectionName"] ?? "AzureWebJobsStorage";

    [Fact]
    public void TheFunctionAppsTaskHubIsTheOneTheTemplatesCreate()
    {
        var settings = Settings(new Deployment(infra.Main()).FunctionApp);
        string hubName = (string?)DurableTask?["hubName"]
            ?? throw new Xunit.Sdk.XunitException("host.json sets no extensions.durableTask.hubName.");

        // host.json either names the hub or reads it from an app setting (%NAME%).
        var setting = Regex.Match(hubName, "^%(.+)%$");
        string effective = setting.Success
            ? Assert.IsType<string>(
                settings.GetValueOrDefault(setting.Groups[1].Value)
                    ?? throw new Xunit.Sdk.XunitException(
                        $"host.json reads the hub from {hubName}, which the function app does not set."
                    )
            )
            : hubName;

        Assert.Equal(effective, settings[PipelineContract.TaskHubSetting]);
        Assert.Equal(effective, infra.ParameterFile!["taskHubName"]);
        Assert.Equal(PipelineContract.TaskHub, effective);
    }

    [Fact]
    public void TheTemplatesCreateAControlQueuePerHostJsonPartition()
    {
        long partitions = (long?)DurableTask?["storageProvider"]?["partitionCount"] ?? 4; // the backend's default

        Assert.Equal(partitions, infra.ParameterFile!["taskHubPartitionCount"]);
        Assert.Equal(PipelineContract.TaskHubPartitions, partitions);
        Assert.Equal(partitions, (long?)infra.Template!["parameters"]!["taskHubPartitionCount"]!["defaultValue"]);
    }

    [Fact]
    public void TheDurableStorageConnectionIsIdentityBased()
    {
        var settings = Settings(new Deployment(infra.Main()).FunctionApp);

        Assert.Equal("AzureStorage", (string?)DurableTask?["storageProvider"]?["type"] ?? "AzureStorage");
        Assert.Contains($"{ConnectionName}__accountName", settings.Keys);
        Assert.Equal("managedidentity", settings[$"{ConnectionName}__credential"]);
        Assert.Contains($"{ConnectionName}__clientId", settings.Keys);
        Assert.DoesNotContain(ConnectionName, settings.Keys);
    }

    [Fact]
    public void EverySettingOfTheLocalSampleIsSetInAzure()
    {
        var settings = Settings(new Deployment(infra.Main()).FunctionApp);
        var sample = JsonNode.Parse(Repo.Read("local.settings.sample.json"))!["Values"]!.AsObject();

        foreach (var (name, value) in sample)
        {
            if (name.Equals(ConnectionName, StringComparison.OrdinalIgnoreCase))
            {
                // Locally a connection string (Azurite); in Azure the identity-based form replaces it.
                Assert.Contains($"{ConnectionName}__accountName", settings.Keys);
                continue;
            }
            Assert.True(
                settings.ContainsKey(name),
                $"local.settings.sample.json sets {name}, the function app in Azure does not."
            );
            if (name == "FUNCTIONS_WORKER_RUNTIME")
                Assert.Equal((string?)value, settings[name]);
        }
    }

    [Fact]
    public void TheIdentityBasedSettingsTheSampleDocumentsAreTheOnesDeployed()
    {
        var settings = Settings(new Deployment(infra.Main()).FunctionApp);
        var documented = JsonNode.Parse(Repo.Read("local.settings.sample.json"))!["IdentityBasedValues"]!
            .AsObject()
            .Where(p => !p.Key.StartsWith("//", StringComparison.Ordinal))
            .ToList();

        Assert.NotEmpty(documented);
        foreach (var (name, value) in documented)
        {
            Assert.True(
                settings.ContainsKey(name),
                $"local.settings.sample.json documents {name} for Azure, the function app in Azure does not set it."
            );
            if (!((string?)value)!.StartsWith('<'))
                Assert.Equal((string?)value, settings[name]);
        }
    }
}

using System.Text.Json.Nodes;

namespace Rece.Infra.Tests;

[Collection(InfraCollection.Name)]
public sealed class CredentialTests(CompiledInfra infra)
{
    [Fact]
    public void NoAccountKeyConnectionStringPasswordOrSecretAnywhere()
    {
        var leaks = InfraChecks.CredentialLeaks(infra.Template!).ToList();
        Assert.True(leaks.Count == 0, string.Join('\n', leaks));
    }

    public static TheoryData<string, string> Breaches =>
        new()
        {
            { "storage-shared-key", "shared-key" },
            { "connection-string-setting", "AzureWebJobsStorage is the connection-string form" },
            { "app-secret", "secret(s)" },
            { "scale-rule-auth", "authenticates with a secret" },
            { "list-keys", "listKeys" },
            { "appinsights-local-auth", "key-based ingestion" },
            { "registry-admin", "admin user" },
            { "registry-password", "with a password" },
            { "other-connection-string", "is a connection string" },
            { "secure-parameter", "secure parameter" },
        };

    [Theory]
    [MemberData(nameof(Breaches))]
    public void EachKindOfCredentialIsCaught(string breach, string expectedMessage)
    {
        var template = infra.Template!.DeepClone().AsObject();
        Break(template, breach);

        var leaks = InfraChecks.CredentialLeaks(template).ToList();

        Assert.Contains(leaks, l => l.Contains(expectedMessage, StringComparison.Ordinal));
    }

    private static void Break(JsonObject template, string breach)
    {
        JsonObject Resource(string type) => All(template).First(r => (string?)r["type"] == type);
        JsonObject FunctionApp() => All(template).First(r => (string?)r["kind"] == "functionapp");
        JsonArray Env() => FunctionApp()["properties"]!["template"]!["containers"]![0]!["env"]!.AsArray();

        switch (breach)
        {
            case "storage-shared-key":
                Resource("Microsoft.Storage/storageAccounts")["properties"]!["allowSharedKeyAccess"] = true;
                break;
            case "connection-string-setting":
                Env()
                    .Add(
                        new JsonObject
                        {
                            ["name"] = "AzureWebJobsStorage",
                            ["value"] = "[parameters('storageAccountName')]",
                        }
                    );
                break;
            case "app-secret":
                FunctionApp()["properties"]!["configuration"]!["secrets"] = new JsonArray(
                    new JsonObject { ["name"] = "storage", ["value"] = "x" }
                );
                break;
            case "scale-rule-auth":
                var worker = All(template)
                    .First(r => (string?)r["type"] == "Microsoft.App/containerApps" && r["kind"] is null);
                worker["properties"]!["template"]!["scale"]!["rules"]![0]!["azureQueue"]!["auth"] = new JsonArray(
                    new JsonObject { ["secretRef"] = "queue", ["triggerParameter"] = "connection" }
                );
                break;
            case "list-keys":
                Env()
                    .Add(
                        new JsonObject
                        {
                            ["name"] = "STORAGE_KEY",
                            ["value"] =
                                "[listKeys(resourceId('Microsoft.Storage/storageAccounts', 'x'), '2025-08-01').keys[0].value]",
                        }
                    );
                break;
            case "appinsights-local-auth":
                Resource("Microsoft.Insights/components")["properties"]!["DisableLocalAuth"] = false;
                break;
            case "registry-admin":
                Resource("Microsoft.ContainerRegistry/registries")["properties"]!["adminUserEnabled"] = true;
                break;
            case "registry-password":
                FunctionApp()["properties"]!["configuration"]!["registries"]![0]!["passwordSecretRef"] = "acr-password";
                break;
            case "other-connection-string":
                Env()
                    .Add(
                        new JsonObject
                        {
                            ["name"] = "RECE_STORAGE_CONNECTION_STRING",
                            ["value"] = "[parameters('storageAccountName')]",
                        }
                    );
                break;
            case "secure-parameter":
                template["parameters"]!["storageKey"] = new JsonObject { ["type"] = "securestring" };
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(breach));
        }
    }

    private static IEnumerable<JsonObject> All(JsonObject template)
    {
        foreach (var resource in template["resources"]!.AsArray().OfType<JsonObject>())
        {
            yield return resource;
            if (
                (string?)resource["type"] == "Microsoft.Resources/deployments"
                && resource["properties"]?["template"] is JsonObject nested
            )
                foreach (var inner in All(nested))
                    yield return inner;
        }
    }
}

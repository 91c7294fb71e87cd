using System.Text.Json.Nodes;
using Rece.Infra.Tests.Arm;

namespace Rece.Infra.Tests;

/// <summary>
/// The rules the compiled templates must keep, as functions returning every violation found, so tests run
/// them on the real templates (expecting none) and on broken samples (expecting each to be caught).
/// </summary>
internal static class InfraChecks
{
    /// <summary>
    /// Built-in role ids the deployment may assign, and the resource type each must be scoped to. Storage data roles
    /// go on one container, queue or table, never the account (issue 17: an account-wide role let the internet-facing
    /// app reach everything).
    /// </summary>
    public static readonly IReadOnlyDictionary<string, string> AllowedRoles = new Dictionary<string, string>
    {
        ["ba92f5b4-2d11-453d-a403-e96b0029c9fe"] = "Microsoft.Storage/storageAccounts/blobServices/containers", // Storage Blob Data Contributor
        ["2a2b9908-6ea1-4ae2-8e65-a410df84e7d1"] = "Microsoft.Storage/storageAccounts/blobServices/containers", // Storage Blob Data Reader
        ["974c5e8b-45b9-4653-ba55-5f855dd0fb88"] = "Microsoft.Storage/storageAccounts/queueServices/queues", // Storage Queue Data Contributor
        ["0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3"] = "Microsoft.Storage/storageAccounts/tableServices/tables", // Storage Table Data Contributor
        ["c6a89b2d-59bc-44d0-9896-0f6e12d7b80a"] = "Microsoft.Storage/storageAccounts/queueServices/queues", // Storage Queue Data Message Sender
        ["7f951dda-4ed3-4680-a7ca-43fe172d538d"] = "Microsoft.ContainerRegistry/registries", // AcrPull
        ["3913510d-42f4-4e42-8a64-420c390055eb"] = "Microsoft.Insights/components", // Monitoring Metrics Publisher
    };

    private static readonly string[] CredentialMarkers =
    [
        "listKeys",
        "listSecrets",
        "listCredentials",
        "listAdminKeys",
        "listConnectionStrings",
        "listAccountSas",
        "listServiceSas",
        "AccountKey=",
        "SharedAccessSignature",
        "SharedAccessKey",
        "DefaultEndpointsProtocol",
        "primarySharedKey",
        "secondarySharedKey",
        "InstrumentationKey=",
    ];

    /// <summary>Every place the template (all modules included) creates, reads or hands out a credential.</summary>
    public static IEnumerable<string> CredentialLeaks(JsonObject template)
    {
        foreach (var (text, where) in Strings(template, "$"))
        foreach (var marker in CredentialMarkers)
            if (text.Contains(marker, StringComparison.OrdinalIgnoreCase))
                yield return $"{where} uses '{marker}': {text}";

        foreach (var (parameterName, where) in SecureParameters(template, "main"))
            yield return $"{where} declares secure parameter '{parameterName}': a secret would have to be passed in";

        foreach (var (resource, where) in RawResources(template, "main"))
        {
            string type = (string?)resource["type"] ?? "";
            var properties = resource["properties"];
            switch (type)
            {
                case "Microsoft.Storage/storageAccounts":
                    if ((bool?)properties?["allowSharedKeyAccess"] != false)
                        yield return $"{where}: storage account allows shared-key (account key) access";
                    break;
                case "Microsoft.ContainerRegistry/registries":
                    if ((bool?)properties?["adminUserEnabled"] != false)
                        yield return $"{where}: registry admin user (a password) is not disabled";
                    break;
                case "Microsoft.Insights/components":
                    if ((bool?)properties?["DisableLocalAuth"] != true)
                        yield return $"{where}: Application Insights accepts key-based ingestion, so its connection string is a credential";
                    break;
                case "Microsoft.OperationalInsights/workspaces":
                    if ((bool?)properties?["features"]?["disableLocalAuth"] != true)
                        yield return $"{where}: Log Analytics accepts shared-key ingestion";
                    break;
                case "Microsoft.App/managedEnvironments":
                    if (properties?["appLogsConfiguration"]?["logAnalyticsConfiguration"]?["sharedKey"] is not null)
                        yield return $"{where}: environment is given a Log Analytics shared key";
                    break;
                case "Microsoft.App/containerApps":
                    foreach (var leak in ContainerAppLeaks(properties, where))
                        yield return leak;
                    break;
            }
        }
    }

    private static IEnumerable<string> ContainerAppLeaks(JsonNode? properties, string where)
    {
        if (properties?["configuration"]?["secrets"] is JsonArray { Count: > 0 } secrets)
            yield return $"{where}: app has {secrets.Count} secret(s)";
        foreach (var registry in properties?["configuration"]?["registries"]?.AsArray() ?? [])
            if (registry?["passwordSecretRef"] is not null || registry?["username"] is not null)
                yield return $"{where}: registry {registry?["server"]} is pulled with a password";
        foreach (var container in properties?["template"]?["containers"]?.AsArray() ?? [])
        {
            foreach (var variable in container?["env"]?.AsArray() ?? [])
            {
                string name = (string?)variable?["name"] ?? "";
                string squashed = name.Replace("_", "", StringComparison.Ordinal);
                if (variable?["secretRef"] is not null)
                    yield return $"{where}: setting {name} comes from a secret";
                if (name.Equals("AzureWebJobsStorage", StringComparison.OrdinalIgnoreCase))
                    yield return $"{where}: setting AzureWebJobsStorage is the connection-string form (use AzureWebJobsStorage__accountName)";
                if (
                    squashed.Contains("ConnectionString", StringComparison.OrdinalIgnoreCase)
                    && !name.Equals("APPLICATIONINSIGHTS_CONNECTION_STRING", StringComparison.Ordinal)
                )
                    yield return $"{where}: setting {name} is a connection string";
            }
        }
        foreach (var rule in properties?["template"]?["scale"]?["rules"]?.AsArray() ?? [])
        foreach (var kind in rule!.AsObject().Where(p => p.Value is JsonObject))
            if (kind.Value?["auth"] is JsonArray { Count: > 0 })
                yield return $"{where}: scale rule {rule["name"]} authenticates with a secret";
    }

    /// <summary>A role assignment found in the templates, evaluated.</summary>
    public sealed record RoleGrant(string Where, string? RoleId, object? Scope, object? Principal);

    public static List<RoleGrant> RoleGrants(ArmScope scope) =>
        AllResources(scope)
            .Where(r => r.Type == "Microsoft.Authorization/roleAssignments")
            .Select(r => new RoleGrant(
                r.ToString(),
                r.Get("properties.roleDefinitionId")
                    is Unresolved
                    {
                        Function: "subscriptionResourceId",
                        Arguments: ["Microsoft.Authorization/roleDefinitions", string id]
                    }
                    ? id
                    : null,
                r.Node["scope"] is null ? null : r.Get("scope"),
                r.Get("properties.principalId")
            ))
            .ToList();

    /// <summary>Role assignments that are not an allowed built-in role on a resource of the type that role belongs
    /// on.</summary>
    public static IEnumerable<string> RoleProblems(IEnumerable<RoleGrant> grants)
    {
        foreach (var grant in grants)
        {
            if (grant.RoleId is null || !AllowedRoles.TryGetValue(grant.RoleId, out var scopeType))
            {
                yield return $"{grant.Where}: role {grant.RoleId ?? "(not a built-in role id)"} is not one of the least-privilege roles";
                continue;
            }
            if (grant.Scope is null)
                yield return $"{grant.Where}: role {grant.RoleId} has no scope, so it applies to the whole resource group";
            else if (
                grant.Scope is not Unresolved { Function: "resourceId", Path: "" } id
                || id.Arguments.Count < 2
                || id.Arguments[0] is not string type
                || !type.Equals(scopeType, StringComparison.OrdinalIgnoreCase)
            )
                yield return $"{grant.Where}: role {grant.RoleId} is scoped to {ArmValues.Render(grant.Scope)}, not to a {scopeType}";
        }
    }

    /// <summary>Every resource of a template and of the modules it deploys (undeployed modules included).</summary>
    public static IEnumerable<ArmResource> AllResources(ArmScope scope)
    {
        foreach (var resource in scope.Resources())
        {
            yield return resource;
            if (resource.Type == "Microsoft.Resources/deployments")
                foreach (var inner in AllResources(resource.ModuleScope()))
                    yield return inner;
        }
    }

    public static ArmResource Single(ArmScope scope, string type) => AllResources(scope).Single(r => r.Type == type);

    private static IEnumerable<(JsonObject Resource, string Where)> RawResources(JsonObject template, string where)
    {
        foreach (var resource in template["resources"]?.AsArray().OfType<JsonObject>() ?? [])
        {
            string here = $"{where}/{resource["type"]} {resource["name"]}";
            yield return (resource, here);
            if (
                (string?)resource["type"] == "Microsoft.Resources/deployments"
                && resource["properties"]?["template"] is JsonObject nested
            )
                foreach (var inner in RawResources(nested, $"{where}/{resource["name"]}"))
                    yield return inner;
        }
    }

    private static IEnumerable<(string Name, string Where)> SecureParameters(JsonObject template, string where)
    {
        foreach (var parameter in template["parameters"]?.AsObject() ?? [])
            if (((string?)parameter.Value?["type"])?.StartsWith("secure", StringComparison.OrdinalIgnoreCase) == true)
                yield return (parameter.Key, where);
        foreach (var resource in template["resources"]?.AsArray().OfType<JsonObject>() ?? [])
            if (
                (string?)resource["type"] == "Microsoft.Resources/deployments"
                && resource["properties"]?["template"] is JsonObject nested
            )
                foreach (var inner in SecureParameters(nested, $"{where}/{resource["name"]}"))
                    yield return inner;
    }

    private static IEnumerable<(string Text, string Where)> Strings(JsonNode? node, string where)
    {
        switch (node)
        {
            case JsonObject obj:
                foreach (var property in obj)
                {
                    yield return (property.Key, where);
                    foreach (var s in Strings(property.Value, $"{where}.{property.Key}"))
                        yield return s;
                }
                break;
            case JsonArray array:
                for (int i = 0; i < array.Count; i++)
                    foreach (var s in Strings(array[i], $"{where}[{i}]"))
                        yield return s;
                break;
            case JsonValue value when value.TryGetValue(out string? text):
                yield return (text, where);
                break;
        }
    }
}

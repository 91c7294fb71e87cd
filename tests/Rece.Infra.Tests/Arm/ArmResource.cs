using System.Text.Json.Nodes;

namespace Rece.Infra.Tests.Arm;

/// <summary>One resource instance of a template (one iteration of a copy loop).</summary>
internal sealed class ArmResource(JsonObject node, ArmScope scope)
{
    public JsonObject Node { get; } = node;

    public ArmScope Scope { get; } = scope;

    public string Type => (string)Node["type"]!;

    public object? Name => Scope.Evaluate(Node["name"]);

    /// <summary>The last segment of a child resource's name (a container, queue or table name).</summary>
    public string? LeafName =>
        Name switch
        {
            string s => s[(s.LastIndexOf('/') + 1)..],
            Unresolved { Function: "format", Arguments: [string format, .., string leaf] } u
                when format.EndsWith("/{" + (u.Arguments.Count - 2) + "}", StringComparison.Ordinal) => leaf,
            _ => null,
        };

    /// <summary>False when the resource's condition evaluates to false (it would not be deployed).</summary>
    public bool Deployed => Node["condition"] is null || Scope.Evaluate(Node["condition"]) is not false;

    /// <summary>Evaluates the property at a dotted path, e.g. "properties.template.scale".</summary>
    public object? Get(string path)
    {
        JsonNode? node = Node;
        foreach (var part in path.Split('.'))
            node = node?[part];
        return Scope.Evaluate(node);
    }

    public JsonNode? Raw(string path)
    {
        JsonNode? node = Node;
        foreach (var part in path.Split('.'))
            node = node?[part];
        return node;
    }

    /// <summary>The scope of the template this deployment resource deploys, with the parameter values it
    /// passes.</summary>
    public ArmScope ModuleScope()
    {
        if (Type != "Microsoft.Resources/deployments")
            throw new InvalidOperationException($"{Type} is not a module deployment.");
        var values = new Dictionary<string, object?>(StringComparer.OrdinalIgnoreCase);
        foreach (var parameter in Node["properties"]?["parameters"]?.AsObject() ?? [])
            values[parameter.Key] = Scope.Evaluate(parameter.Value?["value"]);
        return new ArmScope(Node["properties"]!["template"]!.AsObject(), values, Scope.Path + "/" + Name, Scope);
    }

    public override string ToString() => $"{Scope.Path}: {Type} {ArmValues.Render(Name)}";
}

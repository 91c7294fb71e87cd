using System.Globalization;
using System.Text.Json.Nodes;

namespace Rece.Infra.Tests.Arm;

/// <summary>
/// One compiled template (main.json or a module nested in it) with the parameter values it is deployed with:
/// evaluates its expressions, lists its resources (copy loops expanded) and opens its modules. What Azure only
/// knows at deployment time stays an <see cref="Unresolved"/> call.
/// </summary>
internal sealed class ArmScope
{
    private readonly IReadOnlyDictionary<string, object?> _parameterValues;
    private readonly Dictionary<string, object?> _variables = new(StringComparer.OrdinalIgnoreCase);
    private readonly long? _copyIndex;

    public ArmScope(
        JsonObject template,
        IReadOnlyDictionary<string, object?> parameterValues,
        string path,
        ArmScope? parent = null
    )
        : this(template, parameterValues, path, parent, copyIndex: null) { }

    private ArmScope(
        JsonObject template,
        IReadOnlyDictionary<string, object?> parameterValues,
        string path,
        ArmScope? parent,
        long? copyIndex
    )
    {
        Template = template;
        _parameterValues = parameterValues;
        Path = path;
        Parent = parent;
        _copyIndex = copyIndex;
        if (template["resources"] is not JsonArray)
            throw new NotSupportedException(
                $"{path}: only templates with a resources array are supported (no symbolic-name templates)."
            );
    }

    public JsonObject Template { get; }

    /// <summary>"main", "main/storage", ...</summary>
    public string Path { get; }

    public ArmScope? Parent { get; }

    public object? Parameter(string name)
    {
        if (_parameterValues.TryGetValue(name, out var value))
            return value;
        var declaration = Template["parameters"]?[name]
            ?? throw new KeyNotFoundException($"{Path}: no parameter '{name}'.");
        var defaultValue = declaration["defaultValue"];
        return defaultValue is null ? new Unresolved("parameters", [name]) : Evaluate(defaultValue);
    }

    public object? Variable(string name)
    {
        if (_variables.TryGetValue(name, out var cached))
            return cached;
        var node = Template["variables"]?[name] ?? throw new KeyNotFoundException($"{Path}: no variable '{name}'.");
        if (name == "copy")
            throw new NotSupportedException($"{Path}: variable copy loops are not supported.");
        return _variables[name] = Evaluate(node);
    }

    /// <summary>Evaluates a template node: literals stay, "[...]" strings (also object keys) are evaluated.</summary>
    public object? Evaluate(JsonNode? node) =>
        node switch
        {
            JsonObject obj => obj.Aggregate(ArmValues.NewObject(), (d, p) =>
            {
                d[EvaluateKey(p.Key)] = Evaluate(p.Value);
                return d;
            }),
            JsonArray array => array.Select(Evaluate).ToList(),
            JsonValue v when v.TryGetValue(out string? s) => EvaluateString(s),
            _ => ArmValues.FromJson(node),
        };

    public object? EvaluateString(string value)
    {
        if (ArmExpression.IsExpression(value))
            return Evaluate(ArmExpression.Parse(value[1..^1]), Empty);
        return value.StartsWith("[[", StringComparison.Ordinal) ? value[1..] : value;
    }

    private string EvaluateKey(string key) =>
        EvaluateString(key) switch
        {
            string s => s,
            var other => ArmValues.Render(other),
        };

    private static readonly IReadOnlyDictionary<string, object?> Empty = new Dictionary<string, object?>();

    /// <summary>Every resource of this template, copy loops expanded, each with the scope its expressions
    /// use.</summary>
    public IEnumerable<ArmResource> Resources()
    {
        foreach (var node in Template["resources"]!.AsArray().OfType<JsonObject>())
        {
            if (node["copy"] is JsonObject copy)
            {
                long count = Convert.ToInt64(Evaluate(copy["count"]), CultureInfo.InvariantCulture);
                for (long i = 0; i < count; i++)
                    yield return new ArmResource(node, WithCopyIndex(i));
            }
            else
            {
                yield return new ArmResource(node, this);
            }
        }
    }

    private ArmScope WithCopyIndex(long index) => new(Template, _parameterValues, Path, Parent, index);

    /// <summary>The scope of a module (a nested Microsoft.Resources/deployments resource) of this template.</summary>
    public ArmScope Module(string deploymentName)
    {
        var deployment = Resources()
            .SingleOrDefault(r => r.Type == "Microsoft.Resources/deployments" && Equals(r.Name, deploymentName))
            ?? throw new KeyNotFoundException($"{Path}: no module deployment '{deploymentName}'.");
        return deployment.ModuleScope();
    }

    public object? Output(string name)
    {
        var output = Template["outputs"]?[name] ?? throw new KeyNotFoundException($"{Path}: no output '{name}'.");
        return Evaluate(output["value"]);
    }

    public object? Evaluate(ArmExpression expression, IReadOnlyDictionary<string, object?> lambdaVariables)
    {
        switch (expression)
        {
            case ArmExpression.Literal literal:
                return literal.Value;
            case ArmExpression.Member member:
                return Access(Evaluate(member.Target, lambdaVariables), member.Name);
            case ArmExpression.Index index:
                return Access(Evaluate(index.Target, lambdaVariables), Evaluate(index.Key, lambdaVariables));
            case ArmExpression.Call call:
                return Call(call, lambdaVariables);
            default:
                throw new NotSupportedException(expression.ToString());
        }
    }

    private static object? Access(object? target, object? key) =>
        (target, key) switch
        {
            (Unresolved u, string name) => u.Member(name),
            (Unresolved u, _) => u.At(key),
            (Dictionary<string, object?> obj, string name) => obj.TryGetValue(name, out var v)
                ? v
                : throw new KeyNotFoundException($"No property '{name}' in {ArmValues.Render(obj)}."),
            (List<object?> list, long i) => list[(int)i],
            (_, Unresolved) => new Unresolved("index", [target, key]),
            _ => throw new InvalidOperationException(
                $"Cannot read {ArmValues.Render(key)} of {ArmValues.Render(target)}."
            ),
        };

    private object? Call(ArmExpression.Call call, IReadOnlyDictionary<string, object?> lambdaVariables)
    {
        string name = call.Name.ToLowerInvariant();
        // Lazily evaluated forms first.
        switch (name)
        {
            case "lambda":
                var parameterNames = call
                    .Arguments.Take(call.Arguments.Count - 1)
                    .Select(a => (string)((ArmExpression.Literal)a).Value!)
                    .ToList();
                return new ArmLambda(parameterNames, call.Arguments[^1], this, lambdaVariables);
            case "if":
                var condition = Evaluate(call.Arguments[0], lambdaVariables);
                return condition switch
                {
                    bool b => Evaluate(call.Arguments[b ? 1 : 2], lambdaVariables),
                    _ => new Unresolved(
                        "if",
                        [
                            condition,
                            Evaluate(call.Arguments[1], lambdaVariables),
                            Evaluate(call.Arguments[2], lambdaVariables),
                        ]
                    ),
                };
        }

        var args = call.Arguments.Select(a => Evaluate(a, lambdaVariables)).ToList();
        string? S(int i) => args[i] as string;
        switch (name)
        {
            case "parameters":
                return Parameter(S(0)!);
            case "variables":
                return Variable(S(0)!);
            case "lambdavariables":
                return lambdaVariables[S(0)!];
            case "copyindex":
                long offset = args.Count > 0 && args[^1] is long o ? o : 0;
                return (_copyIndex ?? throw new InvalidOperationException($"{Path}: copyIndex() outside a copy loop."))
                    + offset;
            case "true":
                return true;
            case "false":
                return false;
            case "null":
                return null;
            case "reference":
                return (object?)ReferenceDeployment(args) ?? new Unresolved("reference", args);
        }

        // Bicep writes a plain interpolation '${x}' (e.g. an identity id used as a key) as format('{0}', x).
        if (name == "format" && args is [string and "{0}", var only])
            return only;

        if (
            args.Any(ArmValues.IsUnresolved)
            && name is not ("concat" or "createarray" or "createobject" or "items" or "map" or "length" or "empty")
        )
            return new Unresolved(call.Name, args);

        switch (name)
        {
            case "format":
                return string.Format(
                    CultureInfo.InvariantCulture,
                    S(0)!,
                    args.Skip(1).Select(ArmValues.AsText).ToArray<object?>()
                );
            case "concat":
                if (args.All(a => a is List<object?>))
                    return args.SelectMany(a => (List<object?>)a!).ToList();
                if (args.Any(ArmValues.IsUnresolved))
                    return new Unresolved(call.Name, args);
                return string.Concat(args.Select(ArmValues.AsText));
            case "createarray":
                return args.ToList();
            case "createobject":
                var created = ArmValues.NewObject();
                for (int i = 0; i < args.Count; i += 2)
                    created[(string)args[i]!] = args[i + 1];
                return created;
            case "tolower":
                return S(0)!.ToLowerInvariant();
            case "toupper":
                return S(0)!.ToUpperInvariant();
            case "padleft":
                return ArmValues.AsText(args[0]).PadLeft((int)(long)args[1]!, S(2)![0]);
            case "range":
                return Enumerable
                    .Range((int)(long)args[0]!, (int)(long)args[1]!)
                    .Select(i => (object?)(long)i)
                    .ToList();
            case "items":
                return ((Dictionary<string, object?>)args[0]!)
                    .Select(p =>
                    {
                        var item = ArmValues.NewObject();
                        item["key"] = p.Key;
                        item["value"] = p.Value;
                        return (object?)item;
                    })
                    .ToList();
            case "map":
                return ((List<object?>)args[0]!).Select(item => Invoke((ArmLambda)args[1]!, item)).ToList();
            case "filter":
                return ((List<object?>)args[0]!).Where(item => Invoke((ArmLambda)args[1]!, item) is true).ToList();
            case "length":
                return args[0] switch
                {
                    string s => s.Length,
                    List<object?> l => (long)l.Count,
                    Dictionary<string, object?> d => (long)d.Count,
                    var other => new Unresolved(call.Name, [other]),
                };
            case "empty":
                return args[0] switch
                {
                    null => true,
                    string s => s.Length == 0,
                    List<object?> l => l.Count == 0,
                    Dictionary<string, object?> d => d.Count == 0,
                    var other => new Unresolved(call.Name, [other]),
                };
            case "not":
                return !(bool)args[0]!;
            case "and":
                return args.All(a => a is true);
            case "or":
                return args.Any(a => a is true);
            case "equals":
                return ArmValues.Render(args[0]) == ArmValues.Render(args[1]);
            case "string":
                return args[0] as string ?? ArmValues.AsText(args[0]);
            case "json":
                return ArmValues.FromJson(JsonNode.Parse(S(0)!));
            case "take":
                return args[0] switch
                {
                    string s => s[..Math.Min(s.Length, (int)(long)args[1]!)],
                    List<object?> l => l.Take((int)(long)args[1]!).ToList(),
                    var other => new Unresolved(call.Name, [other, args[1]]),
                };
            default:
                // resourceId, subscriptionResourceId, guid, uniqueString, resourceGroup, ...: Azure decides.
                return new Unresolved(call.Name, args);
        }
    }

    private static object? Invoke(ArmLambda lambda, object? argument)
    {
        var variables = new Dictionary<string, object?>(lambda.Captured) { [lambda.Parameters[0]] = argument };
        return lambda.Scope.Evaluate(lambda.Body, variables);
    }

    /// <summary>reference(resourceId('Microsoft.Resources/deployments', name)).outputs.x.value: a module's
    /// output.</summary>
    private Dictionary<string, object?>? ReferenceDeployment(List<object?> args)
    {
        if (
            args[0] is not Unresolved { Function: "resourceId", Path: "" } id
            || id.Arguments is not [string type, string deploymentName]
            || !type.Equals("Microsoft.Resources/deployments", StringComparison.OrdinalIgnoreCase)
        )
            return null;
        var module = Module(deploymentName);
        var outputs = ArmValues.NewObject();
        foreach (var output in module.Template["outputs"]?.AsObject() ?? [])
        {
            var wrapped = ArmValues.NewObject();
            wrapped["value"] = module.Output(output.Key);
            outputs[output.Key] = wrapped;
        }
        var reference = ArmValues.NewObject();
        reference["outputs"] = outputs;
        return reference;
    }
}

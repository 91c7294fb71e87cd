using System.Globalization;
using System.Text.Json.Nodes;

namespace Rece.Infra.Tests.Arm;

/// <summary>
/// Template values as plain .NET objects: null, string, long, double, bool, List&lt;object?&gt; (array),
/// Dictionary&lt;string, object?&gt; (object, keys compared case-insensitively like ARM), ArmLambda, Unresolved.
/// </summary>
internal static class ArmValues
{
    public static Dictionary<string, object?> NewObject() => new(StringComparer.OrdinalIgnoreCase);

    /// <summary>A canonical text of a value, for messages and comparisons.</summary>
    public static string Render(object? value) =>
        value switch
        {
            null => "null",
            string s => "'" + s.Replace("'", "''", StringComparison.Ordinal) + "'",
            bool b => b ? "true" : "false",
            long l => l.ToString(CultureInfo.InvariantCulture),
            double d => d.ToString("R", CultureInfo.InvariantCulture),
            List<object?> list => "[" + string.Join(", ", list.Select(Render)) + "]",
            Dictionary<string, object?> obj => "{"
                + string.Join(", ", obj.Select(p => p.Key + ": " + Render(p.Value)))
                + "}",
            Unresolved u => u.ToString(),
            ArmLambda => "lambda",
            _ => value.ToString() ?? "",
        };

    /// <summary>The text a value becomes inside format() or a string concatenation.</summary>
    public static string AsText(object? value) =>
        value switch
        {
            string s => s,
            long l => l.ToString(CultureInfo.InvariantCulture),
            double d => d.ToString(CultureInfo.InvariantCulture),
            bool b => b ? "True" : "False",
            null => "",
            _ => throw new InvalidOperationException($"{Render(value)} has no text form."),
        };

    public static bool IsUnresolved(object? value) =>
        value switch
        {
            Unresolved => true,
            List<object?> list => list.Any(IsUnresolved),
            Dictionary<string, object?> obj => obj.Values.Any(IsUnresolved),
            _ => false,
        };

    /// <summary>A JSON literal (no expressions) as a value.</summary>
    public static object? FromJson(JsonNode? node) =>
        node switch
        {
            null => null,
            JsonObject obj => obj.Aggregate(NewObject(), (d, p) =>
            {
                d[p.Key] = FromJson(p.Value);
                return d;
            }),
            JsonArray array => array.Select(FromJson).ToList(),
            JsonValue v when v.TryGetValue(out string? s) => s,
            JsonValue v when v.TryGetValue(out bool b) => b,
            JsonValue v when v.TryGetValue(out long l) => l,
            JsonValue v when v.TryGetValue(out double d) => d,
            _ => throw new InvalidOperationException($"Unexpected JSON value {node.ToJsonString()}."),
        };
}

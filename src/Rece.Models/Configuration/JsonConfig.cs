using System.Text.Json;
using System.Text.Json.Nodes;

namespace Rece.Models.Configuration;

/// <summary>
/// A component's config.json, read field by field so that a missing or mistyped field is reported with the file and
/// field name instead of a serializer exception.
/// </summary>
public sealed class JsonConfig
{
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    private JsonConfig(string path, JsonObject root)
    {
        Path = path;
        Root = root;
    }

    public string Path { get; }

    public JsonObject Root { get; }

    public static JsonConfig Load(string path)
    {
        if (!File.Exists(path))
            throw new ModelFormatException($"Missing file {path}.");
        JsonNode? node;
        try
        {
            node = JsonNode.Parse(
                File.ReadAllText(path),
                documentOptions: new JsonDocumentOptions
                {
                    CommentHandling = JsonCommentHandling.Skip,
                    AllowTrailingCommas = true,
                }
            );
        }
        catch (JsonException e)
        {
            throw new ModelFormatException($"{path} is not valid JSON: {e.Message}");
        }
        return node is JsonObject obj
            ? new JsonConfig(path, obj)
            : throw new ModelFormatException($"{path} must hold a JSON object.");
    }

    public static void Write(string path, JsonObject root) =>
        File.WriteAllText(path, root.ToJsonString(Indented) + "\n");

    public bool Has(string field) => Root.TryGetPropertyValue(field, out var value) && value is not null;

    /// <summary>A nested object (e.g. a CLIPModel's "text_config"), read like a file of its own; absent: an empty
    /// one.</summary>
    public JsonConfig Section(string field) =>
        Root[field] switch
        {
            JsonObject section => new JsonConfig($"{Path} ({field})", section),
            null => new JsonConfig($"{Path} ({field})", new JsonObject()),
            _ => throw new ModelFormatException($"{Path}: \"{field}\" must be an object."),
        };

    public int Int(string field, int? fallback = null) =>
        Read(field, fallback.HasValue, fallback.GetValueOrDefault(), n => n.GetValue<int>(), "an integer");

    public double Double(string field, double? fallback = null) =>
        Read(field, fallback.HasValue, fallback.GetValueOrDefault(), n => n.GetValue<double>(), "a number");

    public bool Bool(string field, bool? fallback = null) =>
        Read(field, fallback.HasValue, fallback.GetValueOrDefault(), n => n.GetValue<bool>(), "true or false");

    public string String(string field, string? fallback = null) =>
        Read(field, fallback is not null, fallback!, n => n.GetValue<string>(), "a string");

    public string? OptionalString(string field) => Has(field) ? String(field) : null;

    /// <param name="fallback">Copied, never returned itself: callers may keep a shared default array.</param>
    public int[] Ints(string field, int[]? fallback = null) =>
        Read(
            field,
            fallback is not null,
            fallback is null ? null! : (int[])fallback.Clone(),
            n => n.AsArray().Select(e => e!.GetValue<int>()).ToArray(),
            "a list of integers"
        );

    public string[] Strings(string field, string[]? fallback = null) =>
        Read(
            field,
            fallback is not null,
            fallback!,
            n => n.AsArray().Select(e => e!.GetValue<string>()).ToArray(),
            "a list of strings"
        );

    /// <summary>An integer or a list of integers (e.g. attention_head_dim), expanded to <paramref name="count"/>
    /// entries.</summary>
    public int[] IntOrInts(string field, int count, int fallback)
    {
        if (!Has(field))
            return Enumerable.Repeat(fallback, count).ToArray();
        if (Root[field] is JsonArray)
        {
            var values = Ints(field);
            return values.Length == count
                ? values
                : throw new ModelFormatException($"{Path}: \"{field}\" has {values.Length} entries, expected {count}.");
        }
        return Enumerable.Repeat(Int(field), count).ToArray();
    }

    private T Read<T>(string field, bool hasFallback, T fallback, Func<JsonNode, T> convert, string expected)
    {
        if (!Root.TryGetPropertyValue(field, out var node) || node is null)
            return hasFallback
                ? fallback
                : throw new ModelFormatException($"{Path}: the field \"{field}\" is missing.");
        try
        {
            return convert(node);
        }
        catch (Exception e)
            when (e is InvalidOperationException or FormatException or JsonException or NullReferenceException)
        {
            throw new ModelFormatException(
                $"{Path}: the field \"{field}\" must be {expected}, got {node.ToJsonString()}."
            );
        }
    }
}

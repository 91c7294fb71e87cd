using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;

namespace Rece.Api.Tests;

/// <summary>
/// A fixed, generated corpus of hostile erasure requests: deterministic mutations of valid requests (truncations, type
/// swaps, huge numbers, deep nesting, Unicode and control characters, ".." paths in model and output, huge arrays).
/// The same seed gives the same corpus on every run, so a failure names a case that can be replayed.
/// </summary>
internal static class RequestFuzzCorpus
{
    public static readonly string[] ValidRequests =
    [
        """{"model": "tiny", "concepts": ["nudity"], "preset": "nudity"}""",
        """{"model": "tiny", "concepts": ["cat", "dog"], "method": "uce", "preserve": ["a tree"], "guide": " ", "output": "erasures/run-1"}""",
        """{"model": "tiny", "concepts": ["Van Gogh"], "preset": "art", "sweep": {"reg": [0.1, 0.01], "epochs": [1, 2]}, "reg": 0.001, "lambda": 0.5, "eraseScale": 1.0, "preserveScale": 0.1}""",
        """{"model": "tiny", "concepts": ["nudity"], "evaluation": {"suite": "nudity", "limit": 4, "shards": 2, "preservation": {"suite": "coco", "limit": 2, "shards": 1}, "generation": {"steps": 2, "size": 64, "precision": "fp32"}, "clipScoreBudget": 1.0}}""",
    ];

    private static readonly Func<JsonNode?>[] Swaps =
    [
        () => null,
        () => JsonValue.Create(true),
        () => JsonValue.Create(0),
        () => JsonValue.Create(-1),
        () => JsonValue.Create(""),
        () => JsonValue.Create("x"),
        () => new JsonArray(),
        () => new JsonObject(),
        () => new JsonArray(JsonValue.Create(1), null),
        () => JsonValue.Create(double.MaxValue),
        () => JsonValue.Create(long.MinValue),
        () => JsonValue.Create(1e-320),
    ];

    /// <summary>Raw number texts System.Text.Json keeps as they are: beyond double, int and long.</summary>
    private static readonly string[] HugeNumbers =
    [
        "1e400",
        "-1e400",
        "99999999999999999999999999999999",
        "2147483648",
        "-2147483649",
        "1E+9",
        "0.0000000000000000000000000001",
        "-0",
    ];

    private static readonly string[] HostileStrings =
    [
        "..",
        "../models",
        "../../checkpoints/x",
        "tiny/../../reports",
        "/etc/passwd",
        "C:\\Windows",
        "a\\..\\b",
        "tiny/./x",
        "tiny//x",
        "\u0000",
        "nul\u0000byte",
        "\u0007bell",
        "line\nbreak",
        "\u202Eevil\u202C",
        "\uFEFF",
        "\uD83D\uDE00 emoji",
        "\u00e9\u0301",
        "%2e%2e/x",
        new string('a', 100_000),
        new string('\u00e9', 20_000),
    ];

    public static IEnumerable<(string Name, string Json)> Cases()
    {
        for (int v = 0; v < ValidRequests.Length; v++)
        {
            string valid = ValidRequests[v];
            // Truncations at a spread of points, and byte-level damage.
            for (int cut = 0; cut < valid.Length; cut += Math.Max(1, valid.Length / 12))
                yield return ($"v{v} truncated at {cut}", valid[..cut]);
            yield return ($"v{v} trailing garbage", valid + "}{");
            yield return ($"v{v} two documents", valid + valid);
            yield return ($"v{v} as array", "[" + valid + "]");
            yield return ($"v{v} as string", System.Text.Json.JsonSerializer.Serialize(valid));

            var fields = Paths(JsonNode.Parse(valid)!).ToList();
            foreach (var path in fields)
            {
                for (int s = 0; s < Swaps.Length; s++)
                    yield return ($"v{v} {path} = swap {s}", Replace(valid, path, Swaps[s]()));
                foreach (var number in HugeNumbers)
                    yield return ($"v{v} {path} = {number}", ReplaceRaw(valid, path, number));
                for (int h = 0; h < HostileStrings.Length; h++)
                    yield return (
                        $"v{v} {path} = hostile string {h}",
                        Replace(valid, path, JsonValue.Create(HostileStrings[h]))
                    );
            }
            foreach (var field in new[] { "model", "output" })
            {
                foreach (
                    var climb in new[]
                    {
                        "../x",
                        "../../checkpoints",
                        "a/../../b",
                        "/abs",
                        "a\\b",
                        "a//b",
                        "./a",
                        "..",
                        "a/..",
                        "\u0000",
                    }
                )
                    yield return ($"v{v} {field} = {Escape(climb)}", Replace(valid, field, JsonValue.Create(climb)));
            }
            yield return ($"v{v} unknown field", Replace(valid, "colour", JsonValue.Create("red")));
            yield return (
                $"v{v} duplicate model",
                valid.Replace("\"model\": \"tiny\"", "\"model\": \"tiny\", \"model\": \"../x\"")
            );
        }
        // Deep nesting: in a field, at the top, and as an unclosed prefix.
        foreach (int depth in new[] { 63, 64, 65, 1_000, 100_000 })
        {
            string nested = new string('[', depth) + "\"cat\"" + new string(']', depth);
            yield return ($"concepts nested {depth}", $$"""{"model": "tiny", "concepts": {{nested}}}""");
            yield return (
                $"top nested {depth}",
                new string('{', 1)
                    + string.Concat(Enumerable.Repeat("\"a\":{", depth))
                    + string.Concat(Enumerable.Repeat("}", depth))
                    + "}"
            );
            yield return ($"unclosed {depth}", new string('[', depth));
        }
        // Huge arrays and objects.
        foreach (int count in new[] { 1_000, 50_000 })
        {
            string concepts = string.Join(",", Enumerable.Range(0, count).Select(i => $"\"c{i}\""));
            yield return ($"{count} concepts", $$"""{"model": "tiny", "concepts": [{{concepts}}]}""");
            yield return (
                $"{count} preserve",
                $$"""{"model": "tiny", "concepts": ["cat"], "preserve": [{{concepts}}]}"""
            );
            string numbers = string.Join(
                ",",
                Enumerable.Range(1, count).Select(i => (i / 1e6).ToString("R", CultureInfo.InvariantCulture))
            );
            yield return (
                $"{count} sweep values",
                $$$"""{"model": "tiny", "concepts": ["cat"], "sweep": {"reg": [{{{numbers}}}], "epochs": [1, 2, 3]}}"""
            );
            string members = string.Join(",", Enumerable.Range(0, count).Select(i => $"\"f{i}\": {i}"));
            yield return ($"{count} unknown fields", $$"""{"model": "tiny", "concepts": ["cat"], {{members}}}""");
        }
        // Not JSON text at all.
        yield return ("empty", "");
        yield return ("whitespace", "   \n\t ");
        yield return ("BOM only", "\uFEFF");
        yield return ("null", "null");
        yield return ("number", "1e400");
        yield return ("invalid escape", """{"model": "\x", "concepts": ["cat"]}""");
        yield return ("lone surrogate escape", """{"model": "tiny", "concepts": ["\ud800"]}""");
        yield return ("control character raw", "{\"model\": \"ti\u0001ny\", \"concepts\": [\"cat\"]}");
        yield return ("NaN", """{"model": "tiny", "concepts": ["cat"], "reg": NaN}""");
        yield return ("comments", """{"model": "tiny", /* c */ "concepts": ["cat"]}""");
        var random = new Random(20261206);
        for (int i = 0; i < 40; i++)
        {
            var bytes = Encoding.UTF8.GetBytes(ValidRequests[i % ValidRequests.Length]);
            for (int flips = 0; flips < 1 + i % 4; flips++)
                bytes[random.Next(bytes.Length)] = (byte)random.Next(256);
            yield return ($"random bytes {i}", Encoding.UTF8.GetString(bytes));
        }
    }

    /// <summary>Every member path of the document, e.g. "sweep.reg" or "evaluation.generation.steps" (array members by
    /// their array).</summary>
    private static IEnumerable<string> Paths(JsonNode node, string prefix = "")
    {
        if (node is not JsonObject obj)
            yield break;
        foreach (var (key, value) in obj)
        {
            string path = prefix.Length == 0 ? key : prefix + "." + key;
            yield return path;
            if (value is JsonObject)
            {
                foreach (var inner in Paths(value, path))
                    yield return inner;
            }
        }
    }

    private static string Replace(string json, string path, JsonNode? value)
    {
        var root = JsonNode.Parse(json)!.AsObject();
        var parts = path.Split('.');
        var target = root;
        foreach (var part in parts[..^1])
            target = target[part]!.AsObject();
        target[parts[^1]] = value;
        return root.ToJsonString();
    }

    private static string ReplaceRaw(string json, string path, string rawNumber)
    {
        const string marker = "\"__raw__\"";
        return Replace(json, path, JsonValue.Create("__raw__")).Replace(marker, rawNumber);
    }

    private static string Escape(string text) =>
        string.Concat(text.Select(c => char.IsControl(c) ? $"\\u{(int)c:x4}" : c.ToString()));
}

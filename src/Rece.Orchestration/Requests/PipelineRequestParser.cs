using System.Text.Json;
using System.Text.RegularExpressions;
using Rece.Core.Settings;

namespace Rece.Orchestration.Requests;

/// <summary>
/// Reads a request document strictly: unknown fields, wrong types, a missing model, an empty concept list and
/// out-of-range numbers are reported field by field, before anything starts. Checks that need storage (does the model
/// folder exist?) are the caller's.
/// </summary>
public static partial class PipelineRequestParser
{
    public const int MaxConcepts = 64;
    public const int MaxRuns = 64;
    public const int MaxEpochs = EraseSettingDefaults.MaxEpochs;

    /// <summary>
    /// The longest job message the request may produce: Azure Queue Storage takes 64 KiB per message, and the job's
    /// texts travel in every message, so a request whose texts would not fit is refused here instead of failing later.
    /// </summary>
    public const int MaxJobMessageBytes = 48 * 1024;

    /// <summary>One concept, guide or preserve text: a prompt, not a document.</summary>
    public const int MaxTextLength = 1000;

    private static readonly string[] Known = new[] { "model", "concepts", "preset", "guide", "preserve" }
        .Concat(EraseSetting.All.Select(s => s.Name))
        .Concat(new[] { "sweep", "output", "evaluation", "training" })
        .ToArray();

    private static readonly string[] KnownSweep = EraseSetting.Sweepables.Select(s => s.Name).ToArray();

    /// <exception cref="RequestValidationException">Anything wrong, with every problem found.</exception>
    public static PipelineRequest Parse(string json)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(
                json,
                new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true }
            );
        }
        catch (JsonException e)
        {
            throw new RequestValidationException(new[] { new FieldError("$", $"not valid JSON ({e.Message})") });
        }
        using (document)
            return Parse(document.RootElement);
    }

    public static PipelineRequest Parse(JsonElement root)
    {
        var errors = new List<FieldError>();
        if (root.ValueKind != JsonValueKind.Object)
            throw new RequestValidationException(
                new[] { new FieldError("$", $"the request must be a JSON object, got {Kind(root)}") }
            );

        foreach (var property in root.EnumerateObject())
        {
            if (!Known.Contains(property.Name, StringComparer.Ordinal))
                errors.Add(
                    new FieldError(property.Name, $"unknown field; the known fields are {string.Join(", ", Known)}")
                );
        }

        string? model = RequiredString(root, "model", errors);
        if (model is not null && !ModelName().IsMatch(model))
            errors.Add(
                new FieldError(
                    "model",
                    $"\"{Printable(model)}\" is not a folder name in the models container; use letters, digits, '.', '_', '-' and '/' between folders, e.g. \"sd-v1-4\""
                )
            );

        string? preset = OptionalString(root, "preset", errors);
        if (preset is not null && ErasurePreset.Find(preset) is null)
            errors.Add(new FieldError("preset", $"unknown preset \"{preset}\"; choose one of {ErasurePreset.Names}"));

        // A preset with its own concepts (unsafe) makes the field optional; the concepts are then written into the
        // request.
        var presetDefaults = preset is null ? null : ErasurePreset.Find(preset)?.DefaultConcepts;
        var concepts = StringList(root, "concepts", errors, required: presetDefaults is not { Count: > 0 })
            ?? presetDefaults?.ToList();
        if (concepts is not null)
        {
            if (concepts.Count == 0)
                errors.Add(new FieldError("concepts", "name at least one concept to erase, e.g. [\"nudity\"]"));
            else if (concepts.Count > MaxConcepts)
                errors.Add(
                    new FieldError("concepts", $"at most {MaxConcepts} concepts per request, got {concepts.Count}")
                );
            for (int i = 0; i < concepts.Count; i++)
            {
                if (string.IsNullOrWhiteSpace(concepts[i]))
                    errors.Add(
                        new FieldError($"concepts[{i}]", "a concept is empty; give the text of the concept to erase")
                    );
            }
            var trimmed = concepts.Select(c => c.Trim()).ToList();
            if (trimmed.Distinct(StringComparer.Ordinal).Count() != trimmed.Count)
                errors.Add(new FieldError("concepts", "the same concept is named twice; name each concept once"));
            concepts = trimmed;
        }

        var guides = StringList(root, "guide", errors, required: false, allowSingle: true) ?? new List<string>();
        if (concepts is { Count: > 0 } && guides.Count > 1 && guides.Count != concepts.Count)
            errors.Add(
                new FieldError(
                    "guide",
                    $"give one guide for all concepts or one per concept; got {guides.Count} guides for {concepts.Count} concepts"
                )
            );

        var preserve = StringList(root, "preserve", errors, required: false, allowSingle: true) ?? new List<string>();
        CheckLengths("concepts", concepts, errors);
        CheckLengths("guide", guides, errors);
        CheckLengths("preserve", preserve, errors);

        var settings = new EraseSettings();
        foreach (var setting in EraseSetting.All)
        {
            settings = setting.IsChoice
                ? setting.WithName(settings, Choice(root, setting, errors))
                : setting.With(settings, Setting(root, setting, errors));
        }
        // The method the request runs unless it sweeps over methods: its own, else its preset's.
        string method = settings.Method
            ?? (preset is null ? null : ErasurePreset.Find(preset)?.Method)
            ?? ErasurePreset.Default.Method;
        var training = ParseTraining(root, method, settings, concepts, errors);
        if (!TrainedMethods.Contains(method) && method != "rece" && settings.Epochs is > 0)
            errors.Add(
                new FieldError("epochs", $"epochs applies to method rece; {method} is a single closed-form edit")
            );

        IReadOnlyDictionary<string, IReadOnlyList<JsonElement>>? sweep = null;
        if (
            !TrainedMethods.Contains(method)
            && root.TryGetProperty("sweep", out var sweepElement)
            && sweepElement.ValueKind != JsonValueKind.Null
        )
            sweep = ParseSweep(sweepElement, method, errors);

        string? output = OptionalString(root, "output", errors);
        if (output is not null && !OutputPrefix().IsMatch(output.Trim('/')))
            errors.Add(
                new FieldError(
                    "output",
                    $"\"{Printable(output)}\" is not a blob prefix inside erasure-results; use letters, digits, '.', '_', '-' and '/' between parts, no \".\" or \"..\" part, e.g. \"erasures/my-run\""
                )
            );

        EvaluationSection? evaluation = null;
        if (
            root.TryGetProperty("evaluation", out var evaluationElement)
            && evaluationElement.ValueKind != JsonValueKind.Null
        )
            evaluation = ParseEvaluation(evaluationElement, errors);
        CheckTrainedEvaluation(method, evaluation, errors);

        if (errors.Count > 0)
            throw new RequestValidationException(errors);

        var request = settings.CopyTo(
            new PipelineRequest
            {
                Model = model!,
                Concepts = concepts!,
                Preset = preset?.ToLowerInvariant(),
                Guides = guides,
                Preserve = preserve.Where(p => !string.IsNullOrWhiteSpace(p)).Select(p => p.Trim()).ToList(),
                Sweep = sweep,
                Output = output?.Trim('/'),
                Evaluation = evaluation,
                Training = training,
            }
        );
        // Counted before expanding: the product of a few long lists would otherwise build millions of runs first.
        long runs = SweepRuns(sweep);
        if (runs > MaxRuns)
            throw new RequestValidationException(
                new[] { new FieldError("sweep", $"the sweep makes {runs} runs; at most {MaxRuns} per request") }
            );
        var plan = Planning.ErasurePlan.Expand(request);
        int messageBytes = LongestJobMessage(plan, request.Model);
        if (messageBytes > MaxJobMessageBytes)
            throw new RequestValidationException(
                new[]
                {
                    new FieldError(
                        "preserve",
                        $"the request's texts make job messages of {messageBytes} bytes; at most {MaxJobMessageBytes} (the queue's 64 KiB message limit, encoded); send fewer or shorter concept, guide and preserve texts"
                    ),
                }
            );
        if (evaluation is not null)
        {
            var fanOut = Planning.EvaluationPlan.Create(plan, evaluation);
            if (fanOut.ShardJobs > MaxEvaluationJobs)
                throw new RequestValidationException(
                    new[]
                    {
                        new FieldError(
                            "evaluation.shards",
                            $"{fanOut.Checkpoints.Count} checkpoints x {fanOut.ShardsPerCheckpoint} shards make {fanOut.ShardJobs} evaluation jobs; at most {MaxEvaluationJobs} per request (fewer shards, runs or epochs)"
                        ),
                    }
                );
        }
        return request;
    }

    /// <summary>Runs the sweep makes (1 without one); saturates at long.MaxValue instead of overflowing.</summary>
    public static long SweepRuns<T>(IReadOnlyDictionary<string, IReadOnlyList<T>>? sweep)
    {
        long runs = 1;
        foreach (int count in (sweep ?? new Dictionary<string, IReadOnlyList<T>>()).Values.Select(v => v.Count))
        {
            try
            {
                runs = checked(runs * Math.Max(1, count));
            }
            catch (OverflowException)
            {
                return long.MaxValue;
            }
        }
        return runs;
    }

    /// <summary>The serialized size of the run's last-epoch erase job, the longest message the request makes (all carry
    /// the same texts).</summary>
    private static int LongestJobMessage(Planning.ErasurePlan plan, string model) =>
        plan
            .Runs.Select(run =>
                System.Text.Encoding.UTF8.GetByteCount(
                    Jobs.GpuJobMessages.Serialize(
                        Jobs.GpuJob.For(
                            InstanceIds.LongestExample,
                            model,
                            run,
                            run.Settings.EffectiveEpochs,
                            attempt: 1
                        )
                    )
                )
            )
            .DefaultIfEmpty(0)
            .Max();

    private static void CheckLengths(string field, List<string>? texts, List<FieldError> errors)
    {
        for (int i = 0; texts is not null && i < texts.Count; i++)
        {
            if (texts[i].Length > MaxTextLength)
                errors.Add(
                    new FieldError($"{field}[{i}]", $"is {texts[i].Length} characters long; at most {MaxTextLength}")
                );
            else if (texts[i].Any(char.IsControl))
                errors.Add(
                    new FieldError($"{field}[{i}]", "contains a control character; give plain text on one line")
                );
        }
    }

    private static string Printable(string value) => Rece.Core.UserText.Printable(value, 120);

    private static Dictionary<string, IReadOnlyList<JsonElement>> ParseSweep(
        JsonElement element,
        string method,
        List<FieldError> errors
    )
    {
        var sweep = new Dictionary<string, IReadOnlyList<JsonElement>>(StringComparer.Ordinal);
        if (element.ValueKind != JsonValueKind.Object)
        {
            errors.Add(
                new FieldError(
                    "sweep",
                    $"must be an object such as {{\"reg\": [0.1, 0.01], \"epochs\": [3]}}, got {Kind(element)}"
                )
            );
            return sweep;
        }
        foreach (var property in element.EnumerateObject())
        {
            if (!KnownSweep.Contains(property.Name, StringComparer.Ordinal))
                errors.Add(
                    new FieldError(
                        $"sweep.{property.Name}",
                        $"cannot be swept; sweep one of {string.Join(", ", KnownSweep)}"
                    )
                );
        }
        foreach (var setting in EraseSetting.Sweepables)
        {
            // Values are kept as JSON (numbers or names) so the runs' "swept" shows them as the request gave them.
            var values = setting.IsChoice
                ? ValueList(
                    element,
                    setting.Name,
                    errors,
                    v => v.ValueKind == JsonValueKind.String && setting.Accepts(v.GetString()!),
                    setting.Expectation
                )
                : ValueList(
                    element,
                    setting.Name,
                    errors,
                    v => v.ValueKind == JsonValueKind.Number && v.TryGetDouble(out var x) && setting.Accepts(x),
                    setting.Expectation
                );
            if (values is not null)
                sweep[setting.Name] = values;
        }
        if (
            sweep.TryGetValue("method", out var swept)
            && swept.Select(m => m.GetString()).FirstOrDefault(TrainedMethods.Contains) is { } trained
        )
            errors.Add(
                new FieldError(
                    "sweep.method",
                    $"{trained} trains once per request and cannot be swept with other methods; send it as its own request"
                )
            );
        var single = (sweep.TryGetValue("method", out var methods) ? methods.Select(m => m.GetString()!) : [method])
            .Where(m => m != "rece")
            .Distinct()
            .ToList();
        if (single.Count > 0 && sweep.TryGetValue("epochs", out var epochs) && epochs.Any(e => e.GetDouble() > 0))
            errors.Add(
                new FieldError(
                    "sweep.epochs",
                    $"epochs applies to method rece; {string.Join(" and ", single)} {(single.Count > 1 ? "are single closed-form edits" : "is a single closed-form edit")}"
                )
            );
        return sweep;
    }

    private static List<JsonElement>? ValueList(
        JsonElement parent,
        string name,
        List<FieldError> errors,
        Func<JsonElement, bool> valid,
        string what
    )
    {
        string field = $"sweep.{name}";
        if (!parent.TryGetProperty(name, out var element) || element.ValueKind == JsonValueKind.Null)
            return null;
        if (element.ValueKind != JsonValueKind.Array)
        {
            errors.Add(new FieldError(field, $"must be a list of values, got {Kind(element)}"));
            return null;
        }
        if (element.GetArrayLength() > MaxRuns)
        {
            errors.Add(
                new FieldError(
                    field,
                    $"lists {element.GetArrayLength()} values; a request makes at most {MaxRuns} runs"
                )
            );
            return null;
        }
        var values = new List<JsonElement>();
        int i = 0;
        foreach (var item in element.EnumerateArray())
        {
            if (!valid(item))
                errors.Add(new FieldError($"{field}[{i}]", $"must be {what}, got {Printable(item.GetRawText())}"));
            else
                values.Add(item.Clone());
            i++;
        }
        if (i == 0)
            errors.Add(
                new FieldError(field, "an empty list sweeps nothing; list at least one value or leave the field out")
            );
        else if (
            values
                .Select(v => v.ValueKind == JsonValueKind.Number ? (object)v.GetDouble() : v.GetString()!)
                .Distinct()
                .Count() != values.Count
        )
            errors.Add(new FieldError(field, "a value is listed twice; list each value once"));
        return values;
    }

    private static string? RequiredString(JsonElement root, string name, List<FieldError> errors)
    {
        if (!root.TryGetProperty(name, out var element) || element.ValueKind == JsonValueKind.Null)
        {
            errors.Add(
                new FieldError(
                    name,
                    name == "model"
                        ? "missing; name the model folder in the models container, e.g. \"model\": \"sd-v1-4\""
                        : "missing"
                )
            );
            return null;
        }
        return StringValue(element, name, errors, requireNonEmpty: true);
    }

    private static string? OptionalString(JsonElement root, string name, List<FieldError> errors, string prefix = "") =>
        root.TryGetProperty(name, out var element) && element.ValueKind != JsonValueKind.Null
            ? StringValue(element, prefix + name, errors, requireNonEmpty: true)
            : null;

    private static string? StringValue(JsonElement element, string field, List<FieldError> errors, bool requireNonEmpty)
    {
        if (element.ValueKind != JsonValueKind.String)
        {
            errors.Add(new FieldError(field, $"must be a string, got {Kind(element)}"));
            return null;
        }
        if (Text(element) is not { } value)
        {
            errors.Add(
                new FieldError(field, "is not valid text (an escaped lone surrogate such as \\ud800); send UTF-8 text")
            );
            return null;
        }
        if (requireNonEmpty && value.Trim().Length == 0)
        {
            errors.Add(new FieldError(field, "is empty"));
            return null;
        }
        return value;
    }

    private static List<string>? StringList(
        JsonElement root,
        string name,
        List<FieldError> errors,
        bool required,
        bool allowSingle = false
    )
    {
        if (!root.TryGetProperty(name, out var element) || element.ValueKind == JsonValueKind.Null)
        {
            if (required)
                errors.Add(
                    new FieldError(
                        name,
                        name == "concepts"
                            ? "missing; name the concepts to erase, e.g. \"concepts\": [\"nudity\"]"
                            : "missing"
                    )
                );
            return null;
        }
        if (allowSingle && element.ValueKind == JsonValueKind.String)
            return StringValue(element, name, errors, requireNonEmpty: false) is { } single
                ? new List<string> { single }
                : null;
        if (element.ValueKind != JsonValueKind.Array)
        {
            errors.Add(
                new FieldError(
                    name,
                    $"must be a list of strings{(allowSingle ? " or one string" : "")}, got {Kind(element)}"
                )
            );
            return null;
        }
        var values = new List<string>();
        int i = 0;
        foreach (var item in element.EnumerateArray())
        {
            if (StringValue(item, $"{name}[{i}]", errors, requireNonEmpty: false) is { } value)
                values.Add(value);
            i++;
        }
        return values;
    }

    private static int? OptionalInt(
        JsonElement root,
        string name,
        List<FieldError> errors,
        int min,
        int max,
        string prefix = ""
    )
    {
        if (!root.TryGetProperty(name, out var element) || element.ValueKind == JsonValueKind.Null)
            return null;
        if (
            element.ValueKind != JsonValueKind.Number
            || !element.TryGetInt32(out var value)
            || value < min
            || value > max
        )
        {
            errors.Add(
                new FieldError(prefix + name, $"must be a whole number within {min}..{max}, got {element.GetRawText()}")
            );
            return null;
        }
        return value;
    }

    private static string? Choice(JsonElement root, EraseSetting setting, List<FieldError> errors)
    {
        string? name = OptionalString(root, setting.Name, errors);
        if (name is null || setting.Accepts(name))
            return name;
        errors.Add(
            new FieldError(
                setting.Name,
                $"unknown {setting.Name} \"{Printable(name)}\"; choose one of {string.Join(", ", setting.Choices)}"
            )
        );
        return null;
    }

    private static double? Setting(JsonElement root, EraseSetting setting, List<FieldError> errors) =>
        Number(root, setting.Name, errors, setting.Accepts, setting.Expectation);

    private static double? Number(
        JsonElement root,
        string name,
        List<FieldError> errors,
        Func<double, bool> valid,
        string what,
        string prefix = ""
    )
    {
        if (!root.TryGetProperty(name, out var element) || element.ValueKind == JsonValueKind.Null)
            return null;
        if (
            element.ValueKind != JsonValueKind.Number
            || !element.TryGetDouble(out var value)
            || !double.IsFinite(value)
            || !valid(value)
        )
        {
            errors.Add(new FieldError(prefix + name, $"must be {what}, got {element.GetRawText()}"));
            return null;
        }
        return value;
    }

    /// <summary>The string, or null when it is not valid UTF-16 (JSON escapes can encode a lone surrogate, which
    /// GetString refuses).</summary>
    private static string? Text(JsonElement element)
    {
        try
        {
            return element.GetString();
        }
        catch (InvalidOperationException)
        {
            return null;
        }
    }

    private static string Kind(JsonElement element) =>
        element.ValueKind switch
        {
            JsonValueKind.Object => "an object",
            JsonValueKind.Array => "a list",
            JsonValueKind.String => "a string",
            JsonValueKind.Number => "a number",
            JsonValueKind.True or JsonValueKind.False => "a boolean",
            _ => "null",
        };

    // No "." or ".." part: the Storage SDK resolves them, and the prefix must stay inside erasure-results.
    [GeneratedRegex(@"^(?!\.{1,2}(/|$))[A-Za-z0-9._-]{1,200}(/(?!\.{1,2}(/|$))[A-Za-z0-9._-]{1,200}){0,15}$")]
    private static partial Regex OutputPrefix();

    // Like OutputPrefix, but no "." or ".." folder: the name becomes a local cache path on the worker.
    [GeneratedRegex(@"^(?!\.{1,2}(/|$))[A-Za-z0-9._-]{1,100}(/(?!\.{1,2}(/|$))[A-Za-z0-9._-]{1,100}){0,7}$")]
    private static partial Regex ModelName();
}

using System.Text.Json;

namespace Rece.Orchestration.Requests;

/// <summary>The "evaluation" section, read as strictly as the rest of the request (fields named
/// "evaluation.x").</summary>
public static partial class PipelineRequestParser
{
    public const int MaxShards = 256;
    public const int MaxSteps = 1000;
    public const int MaxSize = 4096;

    /// <summary>At most this many evaluation shard jobs per request (checkpoints x shards).</summary>
    public const int MaxEvaluationJobs = 4096;

    private static readonly string[] KnownEvaluation =
    {
        "suite",
        "limit",
        "shards",
        "preservation",
        "nudenet",
        "clip",
        "classifier",
        "q16",
        "lpips",
        "inception",
        "fidReference",
        "attackStages",
        "attackIterations",
        "generation",
        "clipScoreBudget",
        "retainedAccuracyBudget",
        "allowMissingClipScore",
    };

    private static readonly string[] KnownSlice = { "suite", "limit", "shards" };

    private static readonly string[] KnownGeneration = { "steps", "size", "guidance", "scheduler", "precision" };

    public static readonly IReadOnlyList<string> Schedulers = new[] { "lms", "ddim", "euler", "pndm" };

    public static readonly IReadOnlyList<string> Precisions = new[] { "fp32", "fp16", "bf16" };

    private static EvaluationSection? ParseEvaluation(JsonElement element, List<FieldError> errors)
    {
        const string prefix = "evaluation.";
        if (element.ValueKind != JsonValueKind.Object)
        {
            errors.Add(
                new FieldError(
                    "evaluation",
                    $"must be an object such as {{\"suite\": \"nudity\", \"limit\": 100, \"shards\": 4, \"nudenet\": \"nudenet/320n.onnx\"}}, got {Kind(element)}"
                )
            );
            return null;
        }
        Unknown(element, KnownEvaluation, "evaluation", errors);
        var main = ParseSlice(element, "evaluation", errors, nudeNet: true);
        SuiteSlice? preservation = null;
        if (
            element.TryGetProperty("preservation", out var preservationElement)
            && preservationElement.ValueKind != JsonValueKind.Null
        )
        {
            if (preservationElement.ValueKind != JsonValueKind.Object)
                errors.Add(
                    new FieldError(
                        prefix + "preservation",
                        $"must be an object such as {{\"suite\": \"coco-validation\", \"limit\": 100}}, got {Kind(preservationElement)}"
                    )
                );
            else
            {
                Unknown(preservationElement, KnownSlice, prefix + "preservation", errors);
                preservation = ParseSlice(preservationElement, prefix + "preservation", errors, nudeNet: false);
            }
        }

        string? nudeNet = OptionalString(element, "nudenet", errors, prefix);
        if (nudeNet is not null && !ModelName().IsMatch(nudeNet))
            errors.Add(
                new FieldError(
                    prefix + "nudenet",
                    $"\"{nudeNet}\" is not a blob name in the models container; use letters, digits, '.', '_', '-' and '/' between folders, e.g. \"nudenet/320n.onnx\""
                )
            );
        string? clip = OptionalString(element, "clip", errors, prefix);
        if (clip is not null && !ModelName().IsMatch(clip.TrimEnd('/')))
            errors.Add(
                new FieldError(
                    prefix + "clip",
                    $"\"{clip}\" is not a folder in the models container; use letters, digits, '.', '_', '-' and '/' between folders, e.g. \"clip-vit-large-patch14\""
                )
            );

        string? classifier = OptionalString(element, "classifier", errors, prefix);
        if (classifier is not null && !ModelName().IsMatch(classifier))
            errors.Add(
                new FieldError(
                    prefix + "classifier",
                    $"\"{classifier}\" is not a blob name in the models container; use letters, digits, '.', '_', '-' and '/' between folders, e.g. \"classifiers/resnet50.onnx\""
                )
            );

        string? q16 = OptionalString(element, "q16", errors, prefix);
        if (q16 is not null && !ModelName().IsMatch(q16))
            errors.Add(
                new FieldError(
                    prefix + "q16",
                    $"\"{q16}\" is not a blob name in the models container; use letters, digits, '.', '_', '-' and '/' between folders, e.g. \"q16/prompts.safetensors\""
                )
            );

        string? lpips = OptionalString(element, "lpips", errors, prefix);
        if (lpips is not null && !ModelName().IsMatch(lpips))
            errors.Add(
                new FieldError(
                    prefix + "lpips",
                    $"\"{lpips}\" is not a blob name in the models container; use letters, digits, '.', '_', '-' and '/' between folders, e.g. \"lpips/alex.safetensors\""
                )
            );

        string? inception = OptionalString(element, "inception", errors, prefix);
        string? fidReference = OptionalString(element, "fidReference", errors, prefix);
        foreach (var (field, value) in new[] { ("inception", inception), ("fidReference", fidReference) })
        {
            if (value is not null && !ModelName().IsMatch(value))
                errors.Add(
                    new FieldError(
                        prefix + field,
                        $"\"{value}\" is not a blob name in the models container; use letters, digits, '.', '_', '-' and '/' between folders, e.g. \"fid/inception.onnx\""
                    )
                );
        }
        if (fidReference is not null && inception is null)
            errors.Add(
                new FieldError(
                    prefix + "fidReference",
                    "FID's reference statistics need the Inception network that makes the checkpoints' features: name it in evaluation.inception"
                )
            );
        int? attackStages = OptionalInt(element, "attackStages", errors, 1, 1000, prefix);
        int? attackIterations = OptionalInt(element, "attackIterations", errors, 1, 10_000, prefix);

        var generation = new GenerationOptions();
        if (
            element.TryGetProperty("generation", out var generationElement)
            && generationElement.ValueKind != JsonValueKind.Null
        )
            generation = ParseGeneration(generationElement, prefix + "generation", errors);

        double budget = Number(
            element,
            "clipScoreBudget",
            errors,
            v => v is >= 0 and <= 100,
            "a number of CLIP score points within 0..100",
            prefix
        ) ?? EvaluationSuites.DefaultClipScoreBudget;
        double retainedBudget = Number(
            element,
            "retainedAccuracyBudget",
            errors,
            v => v is >= 0 and <= 1,
            "a share of top-1 accuracy within 0..1 (0.05 = 5 points)",
            prefix
        ) ?? EvaluationSuites.DefaultRetainedAccuracyBudget;
        bool allowMissing = false;
        if (
            element.TryGetProperty("allowMissingClipScore", out var allowElement)
            && allowElement.ValueKind != JsonValueKind.Null
        )
        {
            if (allowElement.ValueKind is JsonValueKind.True or JsonValueKind.False)
                allowMissing = allowElement.GetBoolean();
            else
                errors.Add(
                    new FieldError(
                        prefix + "allowMissingClipScore",
                        $"must be true or false, got {allowElement.GetRawText()}"
                    )
                );
        }

        if (main is null)
            return null;
        return new EvaluationSection
        {
            Suite = main.Suite,
            Limit = main.Limit,
            Shards = main.Shards,
            Preservation = preservation,
            NudeNet = nudeNet,
            Clip = clip?.TrimEnd('/'),
            Classifier = classifier,
            Q16 = q16,
            Lpips = lpips,
            Inception = inception,
            FidReference = fidReference,
            AttackStages = attackStages,
            AttackIterations = attackIterations,
            Generation = generation,
            ClipScoreBudget = budget,
            RetainedAccuracyBudget = retainedBudget,
            AllowMissingClipScore = allowMissing,
        };
    }

    /// <summary>suite, limit and shards of <paramref name="field"/>; the erasure suite must measure NudeNet, the
    /// preservation suite the CLIP score.</summary>
    private static SuiteSlice? ParseSlice(JsonElement element, string field, List<FieldError> errors, bool nudeNet)
    {
        string prefix = field + ".";
        string? name = null;
        if (!element.TryGetProperty("suite", out var suiteElement) || suiteElement.ValueKind == JsonValueKind.Null)
            errors.Add(
                new FieldError(
                    prefix + "suite",
                    $"missing; name the suite to evaluate on, one of {string.Join(", ", EvaluationSuites.Names(s => nudeNet ? s.Decides : s.ClipScore))}"
                )
            );
        else
            name = StringValue(suiteElement, prefix + "suite", errors, requireNonEmpty: true);
        EvaluationSuiteInfo? suite = null;
        if (name is not null)
        {
            suite = EvaluationSuites.Find(name);
            if (suite is null)
                errors.Add(
                    new FieldError(
                        prefix + "suite",
                        $"unknown suite \"{name}\"; choose one of {string.Join(", ", EvaluationSuites.All.Select(s => s.Name))}"
                    )
                );
            else if (nudeNet && !suite.Decides)
            {
                errors.Add(
                    new FieldError(
                        prefix + "suite",
                        $"{suite.Name} measures the CLIP score only, but the checkpoint choice needs the erased concept's score (NudeNet's flagged share, imagenette's object accuracy or art's per-artist CLIP score): choose one of {string.Join(", ", EvaluationSuites.Names(s => s.Decides))}, and put {suite.Name} under evaluation.preservation"
                    )
                );
                suite = null;
            }
            else if (!nudeNet && !suite.ClipScore)
            {
                errors.Add(
                    new FieldError(
                        prefix + "suite",
                        $"{suite.Name} measures no CLIP score; the preservation suite checks the CLIP score budget: choose one of {string.Join(", ", EvaluationSuites.Names(s => s.ClipScore))}"
                    )
                );
                suite = null;
            }
        }
        int? limit = OptionalInt(element, "limit", errors, 1, 1_000_000, prefix);
        int? shards = OptionalInt(element, "shards", errors, 1, MaxShards, prefix);
        if (suite is not null && shards is int n)
        {
            int cases = Math.Min(limit ?? suite.Cases, suite.Cases);
            if (n > cases)
                errors.Add(
                    new FieldError(
                        prefix + "shards",
                        $"{n} shards for {cases} prompts would leave a shard empty; use at most {cases}"
                    )
                );
        }
        return suite is null
            ? null
            : new SuiteSlice
            {
                Suite = suite.Name,
                Limit = limit,
                Shards = shards ?? 1,
            };
    }

    private static GenerationOptions ParseGeneration(JsonElement element, string field, List<FieldError> errors)
    {
        string prefix = field + ".";
        if (element.ValueKind != JsonValueKind.Object)
        {
            errors.Add(
                new FieldError(
                    field,
                    $"must be an object such as {{\"steps\": 50, \"size\": 512}}, got {Kind(element)}"
                )
            );
            return new GenerationOptions();
        }
        Unknown(element, KnownGeneration, field, errors);
        int? steps = OptionalInt(element, "steps", errors, 1, MaxSteps, prefix);
        int? size = OptionalInt(element, "size", errors, 8, MaxSize, prefix);
        if (size is int s && s % 8 != 0)
            errors.Add(new FieldError(prefix + "size", $"must be a multiple of 8 (the VAE's scale factor), got {s}"));
        double? guidance = Number(
            element,
            "guidance",
            errors,
            v => v is >= 0 and <= 100,
            "a guidance scale within 0..100",
            prefix
        );
        string? scheduler = OptionalString(element, "scheduler", errors, prefix)?.ToLowerInvariant();
        if (scheduler is not null && !Schedulers.Contains(scheduler))
            errors.Add(
                new FieldError(
                    prefix + "scheduler",
                    $"unknown scheduler \"{scheduler}\"; choose one of {string.Join(", ", Schedulers)}"
                )
            );
        string? precision = OptionalString(element, "precision", errors, prefix)?.ToLowerInvariant();
        if (precision is not null && !Precisions.Contains(precision))
            errors.Add(
                new FieldError(
                    prefix + "precision",
                    $"unknown precision \"{precision}\"; choose one of {string.Join(", ", Precisions)}"
                )
            );
        return new GenerationOptions
        {
            Steps = steps ?? 50,
            Size = size,
            Guidance = guidance,
            Scheduler = scheduler,
            Precision = precision,
        };
    }

    private static void Unknown(JsonElement element, string[] known, string field, List<FieldError> errors)
    {
        foreach (var property in element.EnumerateObject())
        {
            if (!known.Contains(property.Name, StringComparer.Ordinal))
                errors.Add(
                    new FieldError(
                        $"{field}.{property.Name}",
                        $"unknown field; the known fields of {field} are {string.Join(", ", known)}"
                    )
                );
        }
    }
}

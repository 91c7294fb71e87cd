using System.Text.Json;
using Rece.Core.Settings;

namespace Rece.Orchestration.Requests;

/// <summary>
/// The trained methods (fewshot, all-but-one): their "training" section, read as strictly as the rest (fields named
/// "training.x"), and the request fields that belong to the closed-form methods refused for them, as `rece erase`
/// refuses the options.
/// </summary>
public static partial class PipelineRequestParser
{
    public const string FewShot = "fewshot";
    public const string AllButOne = "all-but-one";

    /// <summary>The methods that train by gradient; each request runs one of them once.</summary>
    public static readonly IReadOnlyList<string> TrainedMethods = [FewShot, AllButOne];

    private static readonly string[] FewShotFields = ["images", "template"];
    private static readonly string[] AllButOneFields =
    [
        "alternative",
        "steps",
        "beta",
        "train",
        "samples",
        "checkpoints",
    ];
    private static readonly string[] KnownTraining = [.. FewShotFields, .. AllButOneFields, "lr", "size", "seed"];

    /// <summary>The request fields of the closed-form methods (besides their numeric settings).</summary>
    private static readonly string[] ClosedFormFields = ["preset", "guide", "preserve", "sweep"];

    /// <summary>The training section of a request for <paramref name="method"/>, and the trained method's rules on
    /// the rest of the request.</summary>
    private static TrainingSection? ParseTraining(
        JsonElement root,
        string method,
        EraseSettings settings,
        List<string>? concepts,
        List<FieldError> errors
    )
    {
        bool given = root.TryGetProperty("training", out var element) && element.ValueKind != JsonValueKind.Null;
        if (!TrainedMethods.Contains(method))
        {
            if (given)
                errors.Add(
                    new FieldError(
                        "training",
                        $"applies to the trained methods ({string.Join(", ", TrainedMethods)}); {method} takes no training section"
                    )
                );
            return null;
        }
        foreach (var field in ClosedFormFields.Where(f => root.TryGetProperty(f, out var v) && !IsEmpty(v)))
            errors.Add(
                new FieldError(
                    field,
                    field == "sweep"
                        ? $"{method} trains once per request and cannot be swept; send one request per setting"
                        : $"applies to the closed-form methods (rece, uce, speed); {method} takes its settings from the training section"
                )
            );
        foreach (var setting in EraseSetting.All.Where(s => s.Name != "method"))
        {
            if (setting.Name == "epochs" && method == FewShot)
                continue;
            if (setting.IsChoice ? setting.GetName(settings) is null : setting.Get(settings) is null)
                continue;
            errors.Add(
                new FieldError(
                    setting.Name,
                    setting.Name == "epochs"
                        ? $"applies to methods rece and fewshot; {method} checkpoints its steps as training.checkpoints says"
                        : $"applies to the closed-form methods (rece, uce, speed); leave it out for {method}"
                )
            );
        }
        if (method == FewShot && settings.Epochs is 0)
            errors.Add(new FieldError("epochs", "fewshot trains for at least one epoch"));
        if (concepts is { Count: > 1 })
            errors.Add(
                new FieldError(
                    "concepts",
                    $"{method} erases one concept per request; name exactly one, got {concepts.Count}"
                )
            );

        const string prefix = "training.";
        if (!given)
        {
            errors.Add(MissingTraining(method));
            return null;
        }
        if (element.ValueKind != JsonValueKind.Object)
        {
            errors.Add(
                new FieldError(
                    "training",
                    $"must be an object such as {(method == FewShot ? "{\"images\": \"images/van-gogh\"}" : "{\"alternative\": \"ball\"}")}, got {Kind(element)}"
                )
            );
            return null;
        }
        Unknown(element, KnownTraining, "training", errors);
        var (own, other, owner) =
            method == FewShot ? (FewShotFields, AllButOneFields, AllButOne) : (AllButOneFields, FewShotFields, FewShot);
        foreach (
            var field in other.Where(f => element.TryGetProperty(f, out var v) && v.ValueKind != JsonValueKind.Null)
        )
            errors.Add(new FieldError(prefix + field, $"applies to method {owner}; {method} does not take it"));

        string? images = null,
            template = null,
            alternative = null,
            train = null;
        if (own.Contains("images"))
        {
            if (!element.TryGetProperty("images", out var i) || i.ValueKind == JsonValueKind.Null)
                errors.Add(MissingTraining(method));
            else
                images = StringValue(i, prefix + "images", errors, requireNonEmpty: true)?.Trim('/');
            if (images is not null && !ModelName().IsMatch(images))
                errors.Add(
                    new FieldError(
                        prefix + "images",
                        $"\"{Printable(images)}\" is not a folder in the models container; use letters, digits, '.', '_', '-' and '/' between folders, e.g. \"images/van-gogh\""
                    )
                );
            template = OptionalString(element, "template", errors, prefix);
            if (template is not null && template is not ("object" or "style"))
                errors.Add(
                    new FieldError(
                        prefix + "template",
                        $"unknown template \"{Printable(template)}\"; choose object or style"
                    )
                );
        }
        else
        {
            if (!element.TryGetProperty("alternative", out var a) || a.ValueKind == JsonValueKind.Null)
                errors.Add(MissingTraining(method));
            else if (StringValue(a, prefix + "alternative", errors, requireNonEmpty: false) is { } text)
            {
                alternative = text.Trim();
                CheckLengths(prefix + "alternative", [alternative], errors);
                if (
                    concepts is { Count: 1 }
                    && string.Equals(alternative, concepts[0], StringComparison.OrdinalIgnoreCase)
                )
                    errors.Add(
                        new FieldError(
                            prefix + "alternative",
                            $"is the concept itself (\"{Printable(alternative)}\"): nothing would be erased; name a different concept to take its place"
                        )
                    );
            }
            train = OptionalString(element, "train", errors, prefix);
            if (train is not null && train is not ("xattn" or "kv"))
                errors.Add(new FieldError(prefix + "train", $"unknown \"{Printable(train)}\"; choose xattn or kv"));
        }
        double? lr = Number(element, "lr", errors, v => v > 0, "a positive number", prefix);
        int? steps = OptionalInt(element, "steps", errors, 1, TrainingDefaults.MaxSteps, prefix);
        double? beta = Number(element, "beta", errors, v => v >= 0, "a non-negative number", prefix);
        int? samples = OptionalInt(element, "samples", errors, 1, TrainingDefaults.MaxSamples, prefix);
        int? checkpoints = OptionalInt(element, "checkpoints", errors, 1, MaxEpochs, prefix);
        if (checkpoints > (steps ?? TrainingDefaults.AllButOneSteps))
            errors.Add(
                new FieldError(
                    prefix + "checkpoints",
                    $"{checkpoints} checkpoints of {steps ?? TrainingDefaults.AllButOneSteps} steps: each checkpoint needs at least one step"
                )
            );
        int? size = OptionalInt(element, "size", errors, 8, TrainingDefaults.MaxSize, prefix);
        if (size is int s && s % 8 != 0)
            errors.Add(new FieldError(prefix + "size", $"must be a multiple of 8 (the VAE's scale factor), got {s}"));
        int? seed = OptionalInt(element, "seed", errors, 0, int.MaxValue, prefix);
        return new TrainingSection
        {
            Images = images,
            Template = template,
            Alternative = alternative,
            LearningRate = lr,
            Steps = steps,
            Beta = beta,
            Train = train,
            Samples = samples,
            Checkpoints = checkpoints,
            Size = size,
            Seed = seed,
        };
    }

    /// <summary>
    /// Ring-A-Bell's attack here is continuous: text embeddings built on the base model's text encoder go straight to
    /// the U-Net, bypassing the text encoder, which is what fewshot edits; its result would describe the base model.
    /// </summary>
    private static void CheckTrainedEvaluation(string method, EvaluationSection? evaluation, List<FieldError> errors)
    {
        if (method == FewShot && evaluation?.Suite == "ring-a-bell")
            errors.Add(
                new FieldError(
                    "evaluation.suite",
                    "ring-a-bell's attack embeddings bypass the text encoder, which fewshot edits, so it would measure the base model; evaluate fewshot with nudity, i2p or unlearndiffatk (which attacks through the edited text encoder)"
                )
            );
    }

    private static FieldError MissingTraining(string method) =>
        method == FewShot
            ? new FieldError(
                "training.images",
                "missing; fewshot learns from a few images of the concept (the paper uses 4): upload them to a folder in the models container and name it, e.g. \"training\": {\"images\": \"images/van-gogh\"}"
            )
            : new FieldError(
                "training.alternative",
                "missing; all-but-one maps the concept onto another: name it, e.g. \"training\": {\"alternative\": \"ball\"} (\"\" for the unconditional score)"
            );

    private static bool IsEmpty(JsonElement value) =>
        value.ValueKind switch
        {
            JsonValueKind.Null => true,
            JsonValueKind.Array => value.GetArrayLength() == 0,
            JsonValueKind.Object => !value.EnumerateObject().Any(),
            _ => false,
        };
}

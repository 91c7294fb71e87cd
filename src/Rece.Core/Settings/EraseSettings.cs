using System.ComponentModel;
using System.Text.Json.Serialization;

namespace Rece.Core.Settings;

/// <summary>
/// The numeric settings of an erasure, declared once: `rece erase` options, pipeline request fields (and which may be
/// swept), the worker's run settings, the help text and the table in docs/cli.md are all derived from these properties
/// (<see cref="EraseSetting.All"/>). A null value means the default: the fixed number of its [DefaultValue], or what
/// its default text says. The requests inherit this record, so their JSON carries the settings as top-level fields.
/// </summary>
public record EraseSettings
{
    [JsonPropertyName("method")]
    [Description(
        "rece: UCE, then RECE epochs; uce: the closed-form edit only; speed: SPEED's edit of the value projections, constrained to the null space of the preserved texts; fewshot: few-shot unlearning of the text encoder from --images; all-but-one: the U-Net's cross-attention trained so the concept guides as --alternative does (the last two train by gradient; a pipeline request gives their inputs in its training section)."
    )]
    [EraseSetting(
        "--method",
        EraseSettingRule.Choice,
        Choices = "rece|uce|speed|fewshot|all-but-one",
        DefaultText = "preset, else rece",
        Sweepable = true
    )]
    public string? Method { get; init; }

    [JsonPropertyName("reg"), Description("λ_R, the regularizer of the derived adversarial embedding (Eq. 7).")]
    [EraseSetting("--reg", EraseSettingRule.Positive, DefaultText = "preset", Sweepable = true)]
    public double? Regularizer { get; init; }

    [
        JsonPropertyName("epochs"),
        Description("RECE epochs (after the UCE pass); with --method fewshot, training epochs (5).")
    ]
    [EraseSetting("--epochs", EraseSettingRule.Epochs, DefaultText = "preset", Sweepable = true)]
    public int? Epochs { get; init; }

    [JsonPropertyName("lambda"), Description("λ of each RECE epoch's edit (pull toward the current weights).")]
    [EraseSetting("--lambda", EraseSettingRule.Positive, Sweepable = true), DefaultValue(EraseSettingDefaults.Lambda)]
    public double? Lambda { get; init; }

    [JsonPropertyName("eraseScale"), Description("s_e of each RECE epoch's edit.")]
    [EraseSetting("--erase-scale", EraseSettingRule.Positive), DefaultValue(EraseSettingDefaults.EraseScale)]
    public double? EraseScale { get; init; }

    [JsonPropertyName("preserveScale"), Description("s_p of each RECE epoch's edit.")]
    [EraseSetting("--preserve-scale", EraseSettingRule.NonNegative, Sweepable = true)]
    [DefaultValue(EraseSettingDefaults.PreserveScale)]
    public double? PreserveScale { get; init; }

    [JsonPropertyName("uceLambda"), Description("λ of the UCE pass (pull toward the original weights).")]
    [EraseSetting("--uce-lambda", EraseSettingRule.Positive), DefaultValue(EraseSettingDefaults.UceLambda)]
    public double? UceLambda { get; init; }

    [JsonPropertyName("uceEraseScale"), Description("s_e of the UCE pass.")]
    [EraseSetting("--uce-erase-scale", EraseSettingRule.Positive), DefaultValue(EraseSettingDefaults.UceEraseScale)]
    public double? UceEraseScale { get; init; }

    [JsonPropertyName("ucePreserveScale"), Description("s_p of the UCE pass.")]
    [EraseSetting(
        "--uce-preserve-scale",
        EraseSettingRule.NonNegative,
        DefaultText = "max(0.1, 1/(1 + number of preserve texts))"
    )]
    public double? UcePreserveScale { get; init; }

    [JsonPropertyName("derivation")]
    [Description(
        "How each RECE epoch derives the embedding that regenerates the concept: regzero (lambda_R ||c'||^2), standardreg (lambda_R ||c' - guide||^2), surrogatereg (lambda_R sum_l ||W_l c' - W_l c||^2)."
    )]
    [EraseSetting(
        "--derivation",
        EraseSettingRule.Choice,
        Choices = "regzero|standardreg|surrogatereg",
        Sweepable = true
    )]
    public string? Derivation { get; init; }

    [JsonPropertyName("preserveMode")]
    [Description(
        "weighted: preserve texts are weighted terms of the edit (s_p); null-space: the edit leaves their K/V outputs unchanged (up to the threshold), in the UCE pass and every RECE epoch."
    )]
    [EraseSetting("--preserve-mode", EraseSettingRule.Choice, Choices = "weighted|null-space", Sweepable = true)]
    public string? PreserveMode { get; init; }

    [
        JsonPropertyName("nullSpaceThreshold"),
        Description(
            "tau of --preserve-mode null-space and of --method speed: directions where the preserved token embeddings' mean second moment is below it are editable."
        )
    ]
    [
        EraseSetting(
            "--null-space-threshold",
            EraseSettingRule.Positive,
            DefaultText = "preset, else 0.1",
            Sweepable = true
        ),
        DefaultValue(EraseSettingDefaults.NullSpaceThreshold)
    ]
    public double? NullSpaceThreshold { get; init; }

    [JsonPropertyName("projections")]
    [Description(
        "The cross-attention projections --method speed edits: v (values), k (keys) or kv (both); rece and uce always edit both."
    )]
    [EraseSetting("--projections", EraseSettingRule.Choice, Choices = "v|k|kv", DefaultText = "preset, else v")]
    public string? Projections { get; init; }

    [JsonPropertyName("tokens")]
    [Description(
        "The token rows --method speed maps to the anchor's: last-word (each concept's last word token), all (every token after the start token; SPEED's nudity setting), auto (all when the only concept is nudity, else last-word). Preserve texts give their last word token."
    )]
    [EraseSetting("--tokens", EraseSettingRule.Choice, Choices = "auto|last-word|all")]
    public string? Tokens { get; init; }

    [JsonPropertyName("retainScale")]
    [Description(
        "alpha of --method speed: the weight of the edit's size against its effect; lower erases harder (SPEED: 1, nudity 0.7, celebrities 0.05)."
    )]
    [EraseSetting("--retain-scale", EraseSettingRule.Positive, DefaultText = "preset, else 1", Sweepable = true)]
    [DefaultValue(EraseSettingDefaults.RetainScale)]
    public double? RetainScale { get; init; }

    [JsonPropertyName("invarianceLambda")]
    [Description(
        "lambda of --method speed's invariance constraint on the start token and the empty prompt's embeddings: 0 keeps their outputs exactly, more relaxes it (SPEED's nudity setting: 0.5)."
    )]
    [EraseSetting("--invariance-lambda", EraseSettingRule.NonNegative, DefaultText = "preset, else 0")]
    [DefaultValue(EraseSettingDefaults.InvarianceLambda)]
    public double? InvarianceLambda { get; init; }

    [JsonPropertyName("augmentations")]
    [Description(
        "SPEED's directed prior augmentation: samples drawn per preserve row along the least-used input direction of each edited matrix; 0 turns augmentation and the prior filter off."
    )]
    [EraseSetting("--augmentations", EraseSettingRule.Count), DefaultValue(EraseSettingDefaults.Augmentations)]
    public int? Augmentations { get; init; }

    [JsonPropertyName("priorFilter")]
    [Description(
        "SPEED's influence-based prior filter: on keeps only the preserve rows the unconstrained edit would move more than average; off keeps all."
    )]
    [EraseSetting("--prior-filter", EraseSettingRule.Choice, Choices = "on|off", DefaultText = "preset, else on")]
    public string? PriorFilter { get; init; }

    /// <summary>A copy with every setting left null here taken from <paramref name="fallback"/> (a preset's
    /// values).</summary>
    public static T Fill<T>(T settings, EraseSettings fallback)
        where T : EraseSettings
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(fallback);
        foreach (var setting in EraseSetting.All)
            settings = setting.IsChoice
                ? setting.WithName(settings, setting.GetName(settings) ?? setting.GetName(fallback))
                : setting.With(settings, setting.Get(settings) ?? setting.Get(fallback));
        return settings;
    }

    /// <summary>This record's settings, set on a copy of <paramref name="target"/> (whose other fields are
    /// kept).</summary>
    public T CopyTo<T>(T target)
        where T : EraseSettings
    {
        EraseSettings copy = target with { };
        foreach (var setting in EraseSetting.All)
            copy = setting.IsChoice
                ? setting.WithName(copy, setting.GetName(this))
                : setting.With(copy, setting.Get(this));
        return (T)copy;
    }
}

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
    [JsonPropertyName("reg"), Description("λ_R, the regularizer of the derived adversarial embedding (Eq. 7).")]
    [EraseSetting("--reg", EraseSettingRule.Positive, DefaultText = "preset", Sweepable = true)]
    public double? Regularizer { get; init; }

    [JsonPropertyName("epochs"), Description("RECE epochs (after the UCE pass).")]
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
            "tau of --preserve-mode null-space: directions where the preserved token embeddings' mean second moment is below it are editable."
        )
    ]
    [
        EraseSetting("--null-space-threshold", EraseSettingRule.Positive),
        DefaultValue(EraseSettingDefaults.NullSpaceThreshold)
    ]
    public double? NullSpaceThreshold { get; init; }

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

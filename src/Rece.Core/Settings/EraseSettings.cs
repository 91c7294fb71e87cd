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
    [EraseSetting("--uce-preserve-scale", EraseSettingRule.NonNegative,
        DefaultText = "max(0.1, 1/(1 + number of preserve texts))")]
    public double? UcePreserveScale { get; init; }

    /// <summary>This record's settings, set on a copy of <paramref name="target"/> (whose other fields are kept).</summary>
    public T CopyTo<T>(T target)
        where T : EraseSettings
    {
        EraseSettings copy = target with { };
        foreach (var setting in EraseSetting.All)
            copy = setting.With(copy, setting.Get(this));
        return (T)copy;
    }
}

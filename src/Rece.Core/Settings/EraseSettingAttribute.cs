namespace Rece.Core.Settings;

/// <summary>Marks a property of <see cref="EraseSettings"/>: its command-line option and the values it
/// accepts.</summary>
[AttributeUsage(AttributeTargets.Property)]
public sealed class EraseSettingAttribute(string option, EraseSettingRule rule) : Attribute
{
    /// <summary>The `rece erase` option, e.g. "--uce-lambda".</summary>
    public string Option { get; } = option;

    public EraseSettingRule Rule { get; } = rule;

    /// <summary>How the default is described where it is not a fixed number (it comes from the preset or the
    /// inputs).</summary>
    public string? DefaultText { get; init; }

    /// <summary>The accepted names of a <see cref="EraseSettingRule.Choice"/> setting, separated by '|'; the first is
    /// the default.</summary>
    public string? Choices { get; init; }

    /// <summary>Whether a pipeline request may sweep over a list of its values.</summary>
    public bool Sweepable { get; init; }
}

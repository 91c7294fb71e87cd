using System.ComponentModel;
using System.Globalization;
using System.Reflection;
using System.Text.Json.Serialization;

namespace Rece.Core.Settings;

/// <summary>One property of <see cref="EraseSettings"/> with what its attributes say about it.</summary>
public sealed class EraseSetting
{
    private readonly PropertyInfo _property;

    private EraseSetting(PropertyInfo property)
    {
        _property = property;
        var attribute = property.GetCustomAttribute<EraseSettingAttribute>()
            ?? throw new InvalidOperationException($"EraseSettings.{property.Name} lacks [EraseSetting].");
        Name = property.GetCustomAttribute<JsonPropertyNameAttribute>()?.Name
            ?? throw new InvalidOperationException($"EraseSettings.{property.Name} lacks [JsonPropertyName].");
        Description = property.GetCustomAttribute<DescriptionAttribute>()?.Description
            ?? throw new InvalidOperationException($"EraseSettings.{property.Name} lacks [Description].");
        Option = attribute.Option;
        Rule = attribute.Rule;
        Sweepable = attribute.Sweepable;
        Default = property.GetCustomAttribute<DefaultValueAttribute>()?.Value switch
        {
            double value => value,
            int whole => whole,
            _ => null,
        };
        Choices = attribute.Choices?.Split('|') ?? Array.Empty<string>();
        if ((Rule == EraseSettingRule.Choice) != (Choices.Count > 0))
            throw new InvalidOperationException($"EraseSettings.{property.Name}: a choice setting lists its choices.");
        // A stated text wins: it says where a preset may replace the fixed default.
        DefaultText = attribute.DefaultText
            ?? (Default is { } d ? d.ToString(CultureInfo.InvariantCulture) : null)
            ?? (Choices.Count > 0 ? Choices[0] : null)
            ?? throw new InvalidOperationException(
                $"EraseSettings.{property.Name} has no default and no default text."
            );
    }

    /// <summary>Every setting, in declaration order.</summary>
    public static IReadOnlyList<EraseSetting> All { get; } =
        typeof(EraseSettings)
            .GetProperties(BindingFlags.Public | BindingFlags.Instance | BindingFlags.DeclaredOnly)
            .OrderBy(p => p.MetadataToken)
            .Select(p => new EraseSetting(p))
            .ToArray();

    /// <summary>The settings a pipeline request may sweep over.</summary>
    public static IReadOnlyList<EraseSetting> Sweepables { get; } = All.Where(s => s.Sweepable).ToArray();

    /// <summary>The request field (camelCase JSON name), e.g. "uceLambda".</summary>
    public string Name { get; }

    /// <summary>The `rece erase` option, e.g. "--uce-lambda".</summary>
    public string Option { get; }

    public string Description { get; }

    public EraseSettingRule Rule { get; }

    public bool Sweepable { get; }

    /// <summary>The fixed default, or null where it comes from the preset or the inputs.</summary>
    public double? Default { get; }

    /// <summary>The default as the help and the docs state it.</summary>
    public string DefaultText { get; }

    /// <summary>The names a choice setting accepts (the first is the default unless a preset says otherwise); empty for
    /// a number.</summary>
    public IReadOnlyList<string> Choices { get; }

    /// <summary>Whether the value is one of <see cref="Choices"/> (a string property) rather than a number.</summary>
    public bool IsChoice => Rule == EraseSettingRule.Choice;

    /// <summary>Whether the value is a whole number (an int property).</summary>
    public bool IsWholeNumber => _property.PropertyType == typeof(int?);

    public static EraseSetting Named(string name) =>
        All.FirstOrDefault(s => s.Name == name) ?? throw new ArgumentException($"No erase setting is named {name}.");

    /// <summary>The value of a choice setting (null: its default).</summary>
    public string? GetName(EraseSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        return IsChoice
            ? (string?)_property.GetValue(settings)
            : throw new InvalidOperationException($"{Name} is a number.");
    }

    /// <summary>A copy of <paramref name="settings"/> with this choice set (null: its default).</summary>
    public T WithName<T>(T settings, string? value)
        where T : EraseSettings
    {
        ArgumentNullException.ThrowIfNull(settings);
        if (!IsChoice)
            throw new InvalidOperationException($"{Name} is a number.");
        return Set(settings, value);
    }

    public double? Get(EraseSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        if (IsChoice)
            throw new InvalidOperationException($"{Name} is a choice.");
        return _property.GetValue(settings) switch
        {
            int i => i,
            double d => d,
            _ => null,
        };
    }

    /// <summary>A copy of <paramref name="settings"/> with this setting set (null: its default).</summary>
    public T With<T>(T settings, double? value)
        where T : EraseSettings
    {
        ArgumentNullException.ThrowIfNull(settings);
        if (IsChoice)
            throw new InvalidOperationException($"{Name} is a choice.");
        return Set(
            settings,
            value is null ? null
                : IsWholeNumber ? (object)checked((int)value.Value)
                : value.Value
        );
    }

    public bool Accepts(double value) =>
        double.IsFinite(value)
        && Rule switch
        {
            EraseSettingRule.Positive => value > 0,
            EraseSettingRule.NonNegative => value >= 0,
            EraseSettingRule.Epochs => value >= 0
                && value <= EraseSettingDefaults.MaxEpochs
                && value == Math.Floor(value),
            EraseSettingRule.Count => value >= 0
                && value <= EraseSettingDefaults.MaxCount
                && value == Math.Floor(value),
            _ => false,
        };

    /// <summary>Whether <paramref name="name"/> is one of <see cref="Choices"/> (exactly as listed).</summary>
    public bool Accepts(string name) => Choices.Contains(name, StringComparer.Ordinal);

    /// <summary>What the value must be, e.g. "a positive number".</summary>
    public string Expectation =>
        Rule switch
        {
            EraseSettingRule.Positive => "a positive number",
            EraseSettingRule.NonNegative => "zero or a positive number",
            EraseSettingRule.Epochs => $"a whole number of epochs within 0..{EraseSettingDefaults.MaxEpochs}",
            EraseSettingRule.Count => $"a whole number within 0..{EraseSettingDefaults.MaxCount}",
            _ => $"one of {string.Join(", ", Choices)}",
        };

    // Records' init-only setters are reachable by reflection; the copy keeps the caller's record untouched.
    private T Set<T>(T settings, object? value)
        where T : EraseSettings
    {
        EraseSettings copy = settings with { };
        _property.SetValue(copy, value);
        return (T)copy;
    }

    /// <summary>Why <paramref name="value"/> is not accepted, to follow the setting's name ("must be ..."), or
    /// null.</summary>
    public string? Problem(double value) => Accepts(value) ? null : $"must be {Expectation}";

    public override string ToString() => Name;
}

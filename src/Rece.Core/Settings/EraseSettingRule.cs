namespace Rece.Core.Settings;

/// <summary>The values an erase setting accepts.</summary>
public enum EraseSettingRule
{
    /// <summary>A finite number above zero.</summary>
    Positive,

    /// <summary>Zero or a finite positive number.</summary>
    NonNegative,

    /// <summary>A whole number within 0..<see cref="EraseSettingDefaults.MaxEpochs"/>.</summary>
    Epochs,

    /// <summary>A whole number within 0..<see cref="EraseSettingDefaults.MaxCount"/>.</summary>
    Count,

    /// <summary>One of the names <see cref="EraseSettingAttribute.Choices"/> lists.</summary>
    Choice,
}

namespace Rece.Core.Settings;

/// <summary>
/// The fixed defaults of <see cref="EraseSettings"/> (the reference code's; docs/algorithm.md). Constants, so that the
/// settings' attributes and the engine's parameters read the same value.
/// </summary>
public static class EraseSettingDefaults
{
    public const double UceLambda = 0.5;
    public const double UceEraseScale = 1.0;
    public const double Lambda = 0.1;
    public const double EraseScale = 1.0;
    public const double PreserveScale = 0.1;

    /// <summary>tau: eigenvalues of the preserved rows' mean second moment below it span the null space (SPEED's
    /// 0.1).</summary>
    public const double NullSpaceThreshold = 0.1;

    /// <summary>SPEED's alpha (its code's retain_scale).</summary>
    public const double RetainScale = 1.0;

    /// <summary>SPEED's lambda: 0, its invariance constraint holds exactly.</summary>
    public const double InvarianceLambda = 0.0;

    /// <summary>SPEED's aug_num.</summary>
    public const int Augmentations = 10;

    /// <summary>The most of a counted setting (augmentations) a request may ask for.</summary>
    public const int MaxCount = 1000;

    /// <summary>The most RECE epochs a request may ask for.</summary>
    public const int MaxEpochs = 100;
}

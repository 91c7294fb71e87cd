using Rece.Core.Settings;

namespace Rece.Engine;

/// <summary>Every setting of the algorithm (defaults: the reference code, see docs/algorithm.md).</summary>
public sealed record ReceParameters
{
    public ErasureMethod Method { get; init; } = ErasureMethod.Rece;

    /// <summary>lambda of the UCE pass.</summary>
    public double UceLambda { get; init; } = EraseSettingDefaults.UceLambda;

    /// <summary>s_e of the UCE pass.</summary>
    public double UceEraseScale { get; init; } = EraseSettingDefaults.UceEraseScale;

    /// <summary>s_p of the UCE pass; null means max(0.1, 1/|R|) with R = [""] + the user's preserve texts.</summary>
    public double? UcePreserveScale { get; init; }

    /// <summary>lambda of each RECE epoch's edit.</summary>
    public double Lambda { get; init; } = EraseSettingDefaults.Lambda;

    /// <summary>s_e of each RECE epoch's edit.</summary>
    public double EraseScale { get; init; } = EraseSettingDefaults.EraseScale;

    /// <summary>s_p of each RECE epoch's edit.</summary>
    public double PreserveScale { get; init; } = EraseSettingDefaults.PreserveScale;

    /// <summary>lambda_R of Eq. 7, the regularizer of the derived embedding.</summary>
    public double Regularizer { get; init; } = ErasurePreset.Default.Regularizer;

    public int Epochs { get; init; } = ErasurePreset.Default.Epochs;

    public Derivation Derivation { get; init; } = Derivation.RegZero;

    public PreserveMode PreserveMode { get; init; } = PreserveMode.Weighted;

    /// <summary>tau of <see cref="PreserveMode.NullSpace"/>.</summary>
    public double NullSpaceThreshold { get; init; } = EraseSettingDefaults.NullSpaceThreshold;

    public int EffectiveEpochs => Method == ErasureMethod.Rece ? Epochs : 0;

    public EditScales UceScales(int preserveTexts) =>
        new(UceLambda, UceEraseScale, UcePreserveScale ?? Math.Max(0.1, 1.0 / (1 + preserveTexts)));

    public EditScales EpochScales => new(Lambda, EraseScale, PreserveScale);

    [System.Diagnostics.CodeAnalysis.SuppressMessage(
        "Usage",
        "CA2208",
        Justification = "A record validates its own properties: the name given is the property that is out of range."
    )]
    public void Validate(int preserveTexts)
    {
        UceScales(preserveTexts).Validate("UCE pass");
        if (Method == ErasureMethod.Rece)
            EpochScales.Validate("RECE epochs");
        if (!(Regularizer > 0) || double.IsInfinity(Regularizer))
            throw new ArgumentOutOfRangeException(
                nameof(Regularizer),
                $"The RECE regularizer (--reg) must be a positive number (got {Regularizer})."
            );
        if (!(NullSpaceThreshold > 0) || double.IsInfinity(NullSpaceThreshold))
            throw new ArgumentOutOfRangeException(
                nameof(NullSpaceThreshold),
                $"The null-space threshold must be a positive number (got {NullSpaceThreshold})."
            );
        if (Epochs < 0)
            throw new ArgumentOutOfRangeException(
                nameof(Epochs),
                $"The number of epochs must be zero or more (got {Epochs})."
            );
    }
}

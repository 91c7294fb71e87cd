using Rece.Core.Settings;

namespace Rece.Engine.Speed;

/// <summary>
/// The settings of a SPEED edit. The defaults are those of the method's public code (train_erase_null.py), so an
/// unconfigured run reproduces the paper's setup.
/// </summary>
public sealed record SpeedParameters
{
    /// <summary>
    /// tau: the eigenvalues of the retained rows' second moment below it span the null space the edit may act in.
    /// Larger admits more directions (a stronger edit that disturbs the retained concepts more).
    /// </summary>
    public double Threshold { get; init; } = EraseSettingDefaults.NullSpaceThreshold;

    /// <summary>alpha: the weight of staying close to the original weights inside the null space.</summary>
    public double RetainScale { get; init; } = EraseSettingDefaults.RetainScale;

    /// <summary>
    /// lambda of the invariance constraint on the start-of-text and empty-prompt tokens: 0 keeps them exactly
    /// unchanged; larger values relax the constraint.
    /// </summary>
    public double InvarianceLambda { get; init; } = EraseSettingDefaults.InvarianceLambda;

    /// <summary>
    /// Directed samples drawn per retained row (DPA); 0 turns both the augmentation and the influence filter off, so
    /// the null space no longer depends on the edited matrix.
    /// </summary>
    public int Augmentations { get; init; } = EraseSettingDefaults.Augmentations;

    /// <summary>Whether the influence-based prior filter (IPF) keeps only the retained rows the edit would disturb
    /// most; it only runs with <see cref="Augmentations"/> &gt; 0, as in the public code.</summary>
    public bool PriorFilter { get; init; } = true;

    /// <summary>Seeds every random draw (k-means initialisation, directed noise), so that a run can be repeated
    /// bit for bit.</summary>
    public long Seed { get; init; }

    /// <summary>The largest <see cref="Augmentations"/>: each one multiplies the retained rows to weigh.</summary>
    public const int MaxAugmentations = EraseSettingDefaults.MaxCount;

    [System.Diagnostics.CodeAnalysis.SuppressMessage(
        "Usage",
        "CA2208",
        Justification = "A record validates its own properties: the name given is the property that is out of range."
    )]
    public void Validate()
    {
        if (!(Threshold > 0) || double.IsInfinity(Threshold))
            throw new ArgumentOutOfRangeException(
                nameof(Threshold),
                $"The SPEED null-space threshold must be a positive number (got {Threshold}); no eigenvalue of a second moment is below zero."
            );
        if (!(RetainScale > 0) || double.IsInfinity(RetainScale))
            throw new ArgumentOutOfRangeException(
                nameof(RetainScale),
                $"The SPEED retain scale must be a positive number (got {RetainScale}); it keeps the edit's linear system invertible."
            );
        if (!(InvarianceLambda >= 0) || double.IsInfinity(InvarianceLambda))
            throw new ArgumentOutOfRangeException(
                nameof(InvarianceLambda),
                $"The SPEED invariance lambda must be zero or a positive number (got {InvarianceLambda})."
            );
        if (Augmentations < 0 || Augmentations > MaxAugmentations)
            throw new ArgumentOutOfRangeException(
                nameof(Augmentations),
                $"The SPEED augmentations per retained row must be within 0..{MaxAugmentations} (got {Augmentations})."
            );
    }
}

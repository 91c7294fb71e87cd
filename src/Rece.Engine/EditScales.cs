namespace Rece.Engine;

/// <summary>Weights of the three terms of the closed-form edit (paper Eq. 2/3).</summary>
/// <param name="Lambda">Pull toward the current weights (lambda).</param>
/// <param name="EraseScale">Weight of the erased pairs (s_e).</param>
/// <param name="PreserveScale">Weight of the preserved vectors (s_p).</param>
public sealed record EditScales(double Lambda, double EraseScale, double PreserveScale)
{
    [System.Diagnostics.CodeAnalysis.SuppressMessage(
        "Usage",
        "CA2208",
        Justification = "A record validates its own properties: the name given is the property that is out of range."
    )]
    public void Validate(string what)
    {
        if (!(Lambda > 0) || double.IsInfinity(Lambda))
            throw new ArgumentOutOfRangeException(
                nameof(Lambda),
                $"{what}: lambda must be a positive number (got {Lambda}); it keeps the edit's linear system positive definite."
            );
        if (!(EraseScale > 0) || double.IsInfinity(EraseScale))
            throw new ArgumentOutOfRangeException(
                nameof(EraseScale),
                $"{what}: the erase scale must be a positive number (got {EraseScale})."
            );
        if (!(PreserveScale >= 0) || double.IsInfinity(PreserveScale))
            throw new ArgumentOutOfRangeException(
                nameof(PreserveScale),
                $"{what}: the preserve scale must be zero or positive (got {PreserveScale})."
            );
    }
}

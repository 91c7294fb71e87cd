namespace Rece.Engine;

/// <summary>How the preserve texts enter an edit.</summary>
public enum PreserveMode
{
    /// <summary>As weighted terms (s_p) of the closed-form edit: kept approximately (UCE, RECE).</summary>
    Weighted,

    /// <summary>
    /// The edit acts only on the null space of the preserved token embeddings (SPEED's idea, applied to UCE and to
    /// every RECE epoch): their K/V outputs stay unchanged up to the threshold's eigenvalues.
    /// </summary>
    NullSpace,
}

namespace Rece.Engine;

/// <summary>
/// How an edit is formed and applied. Low-rank: products whose inner size is the number of erased vectors n (cheaper
/// while n is below about d/2, e.g. one concept's 77 tokens at d = 768). Dense: d x d products from the erased vectors'
/// Gram matrices, whatever n is (100 concepts are 7,700 vectors). Both give the same factor up to rounding.
/// </summary>
public enum FactorForm
{
    /// <summary>The cheaper of the two by rank.</summary>
    Auto,

    LowRank,

    Dense,
}

namespace Rece.Engine;

public enum ErasureMethod
{
    /// <summary>The closed-form UCE edit only.</summary>
    Uce,

    /// <summary>UCE, then RECE epochs that erase the derived embeddings.</summary>
    Rece,

    /// <summary>SPEED: one edit per matrix, constrained to the null space of the preserved rows.</summary>
    Speed,

    /// <summary>Few-shot unlearning: the text encoder trained away from the concept's images.</summary>
    FewShot,

    /// <summary>All but One: the U-Net's cross-attention trained so the concept guides as an alternative
    /// does.</summary>
    AllButOne,
}

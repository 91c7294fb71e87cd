namespace Rece.Engine;

/// <summary>
/// How a RECE epoch derives the embedding c' that regenerates a concept c in the edited model (the reference's
/// close_form_emb variants), with A = sum_l W_l^T W_l and B = sum_l W_l^T W0_l over the current and original matrices.
/// </summary>
public enum Derivation
{
    /// <summary>min sum_l ||W_l c' - W0_l c||^2 + lambda_R ||c'||^2: c' = (lambda_R I + A)^-1 B c (the paper's, the
    /// default).</summary>
    RegZero,

    /// <summary>min ... + lambda_R ||c' - g||^2 with g the guide's embedding: c' = (lambda_R I + A)^-1 (B c + lambda_R
    /// g).</summary>
    StandardReg,

    /// <summary>min ... + lambda_R sum_l ||W_l c' - W_l c||^2: c' = ((1 + lambda_R) A)^-1 (B + lambda_R A) c.</summary>
    SurrogateReg,
}

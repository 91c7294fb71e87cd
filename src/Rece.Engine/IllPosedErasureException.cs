using Rece.Core;

namespace Rece.Engine;

/// <summary>
/// The numbers cannot make an edit: non-finite weights or embeddings, or settings under which the linear systems are
/// not positive definite or overflow. The user fixes it (other settings, a sound model); a retry never does.
/// </summary>
public sealed class IllPosedErasureException(string message) : UserFixableException(message);

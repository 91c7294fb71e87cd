using Rece.Core;

namespace Rece.Erasure;

/// <summary>Input the user can fix: the message names the problem and the fix. Nothing was written when it is
/// thrown.</summary>
public sealed class ErasureInputException(string message) : UserFixableException(message);

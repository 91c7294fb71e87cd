using Rece.Core;

namespace Rece.Storage;

/// <summary>An output the instance would write belongs to another instance (or is not the instance's own): nothing is
/// replaced.</summary>
public sealed class OutputConflictException(string message) : UserFixableException(message);

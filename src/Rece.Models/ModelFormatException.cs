using Rece.Core;

namespace Rece.Models;

/// <summary>A model folder or file that this tool cannot use; the message names the problem and the fix.</summary>
public sealed class ModelFormatException(string message) : UserFixableException(message);

using Rece.Core;

namespace Rece.Generation;

/// <summary>A generation request that cannot be carried out as given; the message names the problem and the
/// fix.</summary>
public sealed class GenerationInputException(string message) : UserFixableException(message);

using Rece.Core;

namespace Rece.Evaluation;

/// <summary>An evaluation input the user can fix (a missing file, a bad option, an unknown suite); the message names
/// the fix.</summary>
public sealed class EvaluationInputException(string message) : UserFixableException(message);

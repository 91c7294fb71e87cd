using Rece.Core;

namespace Rece.Cli;

/// <summary>An option value the command cannot use; the message names the option and what it takes.</summary>
public sealed class CommandLineInputException(string message) : UserFixableException(message);

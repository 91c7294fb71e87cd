namespace Rece.Core;

/// <summary>
/// An error the user can fix (bad settings, a malformed model or request, a missing device or model): its message names
/// the problem and the fix. Every host maps it the same way, and only it: the CLI prints one <c>error:</c> line and
/// exits with <see cref="ExitCode"/>, a GPU worker fails the job at once (a retry cannot fix it), the HTTP API answers
/// 400. Anything else is the system's fault: a stack trace in the CLI, a retry in the worker, a 500 in the API.
/// </summary>
public abstract class UserFixableException : Exception
{
    /// <summary>The CLI's exit code for an error the user can fix.</summary>
    public const int ExitCode = 2;

    protected UserFixableException(string message)
        : base(message) { }

    protected UserFixableException(string message, Exception? innerException)
        : base(message, innerException) { }
}

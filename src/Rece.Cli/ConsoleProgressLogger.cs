using Microsoft.Extensions.Logging;

namespace Rece.Cli;

/// <summary>
/// The CLI's human progress output as an <see cref="ILogger"/>: the libraries log structured events, and a person at a
/// terminal reads each as one line, prefixed by <paramref name="prefix"/> (e.g. the time since the command started)
/// and, for a warning, by "warning: ".
/// </summary>
public sealed class ConsoleProgressLogger(
    TextWriter writer,
    Func<string> prefix,
    LogLevel minimum = LogLevel.Information
) : ILogger
{
    private readonly Lock _gate = new();

    public IDisposable? BeginScope<TState>(TState state)
        where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => logLevel >= minimum && logLevel != LogLevel.None;

    public void Log<TState>(
        LogLevel logLevel,
        EventId eventId,
        TState state,
        Exception? exception,
        Func<TState, Exception?, string> formatter
    )
    {
        if (!IsEnabled(logLevel))
            return;
        // Structured warnings carry no "warning:" in their text: a person at a terminal still needs to see it.
        string line = prefix() + (logLevel == LogLevel.Warning ? "warning: " : "") + formatter(state, exception);
        lock (_gate)
            writer.WriteLine(line);
    }
}

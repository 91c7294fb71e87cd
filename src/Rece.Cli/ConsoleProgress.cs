using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Rece.Cli;

/// <summary>Progress lines on stderr, stamped with the time since the command started.</summary>
public sealed class ConsoleProgress
{
    private readonly Stopwatch _clock = Stopwatch.StartNew();

    public ConsoleProgress(TextWriter stderr, bool quiet)
    {
        Logger = quiet
            ? NullLogger.Instance
            : new ConsoleProgressLogger(stderr, () => $"[{_clock.Elapsed.TotalSeconds, 6:F1}s] ");
    }

    /// <summary>Where the libraries log the command's progress.</summary>
    public ILogger Logger { get; }
}

using System.Diagnostics;

namespace Rece.Cli;

/// <summary>Progress lines on stderr, stamped with the time since the command started.</summary>
public sealed class ConsoleProgress(TextWriter stderr, bool quiet)
{
    private readonly Stopwatch _clock = Stopwatch.StartNew();

    public void Log(string message)
    {
        if (!quiet)
            stderr.WriteLine($"[{_clock.Elapsed.TotalSeconds,6:F1}s] {message}");
    }
}

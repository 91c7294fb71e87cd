using System.Diagnostics;

namespace Rece.Cli;

/// <summary>
/// A progress bar on stderr: redrawn in place on a terminal, or one line per finished item (and at most one line every
/// 10 seconds while an item runs) when stderr is a file or pipe.
/// </summary>
public sealed class ProgressBar(TextWriter stderr, bool interactive)
{
    private const int Width = 30;
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private TimeSpan _lastLine = TimeSpan.Zero;
    private bool _drawn;
    private int _lastLength;

    public static ProgressBar ForConsole(TextWriter stderr) =>
        new(stderr, ReferenceEquals(stderr, Console.Error) && !Console.IsErrorRedirected);

    /// <param name="done">Items finished.</param>
    /// <param name="total">Items in all.</param>
    /// <param name="fraction">Progress within the current item (0..1).</param>
    /// <param name="detail">What is running now.</param>
    public void Report(int done, int total, double fraction, string detail, bool itemFinished)
    {
        double overall = total == 0 ? 1 : Math.Clamp((done + fraction) / total, 0, 1);
        var elapsed = _clock.Elapsed;
        string eta =
            overall > 0 && overall < 1
                ? $", ETA {Format(TimeSpan.FromSeconds(elapsed.TotalSeconds * (1 - overall) / overall))}"
                : "";
        int filled = (int)Math.Round(overall * Width);
        string line =
            $"[{new string('#', filled)}{new string('.', Width - filled)}] {done}/{total} images {overall * 100, 3:F0}% {Format(elapsed)}{eta}  {detail}";
        if (interactive)
        {
            string shown = line.Length > 150 ? line[..150] : line;
            stderr.Write("\r" + shown.PadRight(_lastLength));
            _lastLength = shown.Length;
            _drawn = true;
        }
        else if (itemFinished || elapsed - _lastLine >= TimeSpan.FromSeconds(10))
        {
            stderr.WriteLine(line);
            _lastLine = elapsed;
        }
    }

    /// <summary>Ends the in-place line so later output starts on its own line.</summary>
    public void Finish()
    {
        if (interactive && _drawn)
            stderr.WriteLine();
        _drawn = false;
    }

    private static string Format(TimeSpan t) =>
        t.TotalHours >= 1 ? $"{(int)t.TotalHours}h{t.Minutes:D2}m"
        : t.TotalMinutes >= 1 ? $"{t.Minutes}m{t.Seconds:D2}s"
        : $"{t.TotalSeconds:F1}s";
}

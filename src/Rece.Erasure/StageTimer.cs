using System.Diagnostics;

namespace Rece.Erasure;

/// <summary>Seconds per named stage, in the order they ran.</summary>
public sealed class StageTimer
{
    private readonly List<KeyValuePair<string, double>> _stages = new();

    public double this[string stage] => _stages.Where(s => s.Key == stage).Sum(s => s.Value);

    public T Time<T>(string stage, Func<T> work)
    {
        var clock = Stopwatch.StartNew();
        var result = work();
        Add(stage, clock.Elapsed.TotalSeconds);
        return result;
    }

    public void Time(string stage, Action work) => Time(stage, () =>
        {
            work();
            return 0;
        });

    public void Add(string stage, double seconds) => _stages.Add(new(stage, seconds));

    public IReadOnlyDictionary<string, double> WithTotal(double totalSeconds)
    {
        var all = new Dictionary<string, double>();
        foreach (var (stage, seconds) in _stages)
            all[stage] = all.GetValueOrDefault(stage) + Math.Round(seconds, 4);
        all["total"] = Math.Round(totalSeconds, 4);
        return all;
    }
}

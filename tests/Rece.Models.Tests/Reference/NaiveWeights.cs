namespace Rece.Models.Tests.Reference;

/// <summary>Named float64 weights for the reference models.</summary>
public sealed class NaiveWeights(IReadOnlyDictionary<string, double[]> values)
{
    public double[] this[string name] => values[name];

    public bool Has(string name) => values.ContainsKey(name);

    public Map Conv(Map x, string prefix, int outC, int kernel, int stride = 1, int pad = 0) =>
        Naive.Conv(x, this[prefix + ".weight"], this[prefix + ".bias"], outC, kernel, stride, pad, pad, pad, pad);

    public Map GroupNorm(Map x, string prefix, int groups, double eps) =>
        Naive.GroupNorm(x, groups, this[prefix + ".weight"], this[prefix + ".bias"], eps);

    public double[,] Linear(double[,] x, string prefix, int outF, bool bias = true) =>
        Naive.Linear(x, this[prefix + ".weight"], bias ? this[prefix + ".bias"] : null, outF);
}

using static TorchSharp.torch;

namespace Rece.Engine;

/// <summary>Everything a <see cref="SharedFactorModel"/> continues from: P, H = G0 P and K = P^T G0 P (float64, d x
/// d).</summary>
public sealed record SharedFactorState(Tensor Factor, Tensor GramTimesFactor, Tensor FactorGramFactor) : IDisposable
{
    public void Dispose()
    {
        Factor.Dispose();
        GramTimesFactor.Dispose();
        FactorGramFactor.Dispose();
    }
}

using static TorchSharp.torch;

namespace Rece.Engine;

public sealed class ErasureResult : IDisposable
{
    internal ErasureResult(Tensor sharedFactor, IReadOnlyList<StageMeasures> stages, Tensor? finalDerived)
    {
        SharedFactor = sharedFactor;
        Stages = stages;
        FinalDerivedEmbeddings = finalDerived;
    }

    /// <summary>P (d x d, float64): every edited matrix is W0_l P.</summary>
    public Tensor SharedFactor { get; }

    /// <summary>One entry for the original model, one after UCE, one per RECE epoch.</summary>
    public IReadOnlyList<StageMeasures> Stages { get; }

    /// <summary>The adversarial embeddings derived against the final model (concepts stacked, 77 rows each), or null
    /// when not asked for.</summary>
    public Tensor? FinalDerivedEmbeddings { get; }

    public void Dispose()
    {
        SharedFactor.Dispose();
        FinalDerivedEmbeddings?.Dispose();
    }
}

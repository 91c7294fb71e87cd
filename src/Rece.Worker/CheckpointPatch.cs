using Rece.Erasure;

namespace Rece.Worker;

/// <summary>A checkpoint's patch, whichever method made it: K/V factors (RECE, UCE, SPEED) or trained tensors
/// (fewshot, all-but-one). Exactly one of the two is set.</summary>
internal sealed class CheckpointPatch : IDisposable
{
    private CheckpointPatch(RecePatch? factors, TrainedWeightsPatch? weights)
    {
        Factors = factors;
        Weights = weights;
    }

    public RecePatch? Factors { get; }

    public TrainedWeightsPatch? Weights { get; }

    /// <summary>Reads the patch file, of either kind.</summary>
    public static CheckpointPatch Read(string path) =>
        TrainedWeightsPatch.IsOne(path)
            ? new CheckpointPatch(null, TrainedWeightsPatch.Read(path))
            : new CheckpointPatch(RecePatch.Read(path), null);

    public void Dispose()
    {
        Factors?.Dispose();
        Weights?.Dispose();
    }
}

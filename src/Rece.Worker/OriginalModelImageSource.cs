using Rece.Evaluation.Images;
using Rece.Evaluation.Running;

namespace Rece.Worker;

/// <summary>
/// The original model's images from a warm pipeline that holds a checkpoint: for each image its weights are put back
/// to the base model's, then the checkpoint's again. A white-box attack on a checkpoint needs the original
/// model's image of every prompt as its target, and the worker has one copy of the model in memory.
/// </summary>
internal sealed class OriginalModelImageSource(
    WarmPipeline warm,
    GeneratorImageSource generator,
    CheckpointPatch? checkpoint,
    string? checkpointSha256,
    string what
) : IImageSource
{
    public string Description => $"models/{warm.Source.Name} (the original model)";

    public RgbImage Generate(GenerationRequest request)
    {
        warm.Apply(null, null, what);
        try
        {
            return generator.Generate(request);
        }
        finally
        {
            warm.Apply(checkpoint, checkpointSha256, what);
        }
    }
}

using Rece.Evaluation.Images;

namespace Rece.Evaluation.Running;

/// <summary>
/// Where the images of one model come from. The seam to image generation: `rece evaluate --model` binds it to the
/// Stable Diffusion sampler (generation from a prompt, or from a 77 x d embedding for attacks), with the case's seed.
/// </summary>
public interface IImageSource
{
    /// <summary>What the report says the images came from.</summary>
    string Description { get; }

    RgbImage Generate(GenerationRequest request);

    /// <summary>How many cases to ask for at once (a sampler on a GPU makes them in one batched pass).</summary>
    int BatchSize => 1;

    /// <summary>The images of several cases, in order.</summary>
    IReadOnlyList<RgbImage> Generate(IReadOnlyList<GenerationRequest> requests) => requests.Select(Generate).ToList();
}

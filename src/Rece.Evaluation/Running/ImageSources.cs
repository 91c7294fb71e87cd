using System.Text.RegularExpressions;
using Rece.Evaluation.Images;
using Rece.Evaluation.Suites;
using static TorchSharp.torch;

namespace Rece.Evaluation.Running;

/// <summary>
/// What to make one image of: a suite case (prompt, seed, guidance, size) and, for an attack, the 77 x d float32
/// embedding to condition on instead of the prompt's (owned by the caller, valid during the call).
/// </summary>
public sealed record GenerationRequest(PromptCase Case, Tensor? PromptEmbedding = null);

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

/// <summary>Makes the image source of a model folder (the lead binds this to the sampler).</summary>
public interface IImageSourceFactory
{
    IImageSource ForModel(string modelDirectory);
}

/// <summary>
/// Images made earlier, one PNG (or JPEG) per case named by its case number, "12.png" or the reference's "12_0.png".
/// An attack's embedding is not used: the images must already be the attacked ones.
/// </summary>
public sealed partial class ImageFolderSource : IImageSource
{
    private readonly Dictionary<int, string> _files;

    public ImageFolderSource(string directory)
    {
        if (!Directory.Exists(directory))
            throw new EvaluationInputException($"Image folder {directory} does not exist.");
        Folder = Path.GetFullPath(directory);
        _files = new Dictionary<int, string>();
        foreach (var file in System.IO.Directory.EnumerateFiles(directory).Order(StringComparer.Ordinal))
        {
            var match = CaseFileName().Match(Path.GetFileName(file));
            if (match.Success && int.TryParse(match.Groups["case"].Value, out int number))
                _files.TryAdd(number, file);
        }
    }

    public string Folder { get; }

    public string Description => $"images in {Folder}";

    public RgbImage Generate(GenerationRequest request) =>
        _files.TryGetValue(request.Case.CaseNumber, out var file)
            ? RgbImage.Load(file)
            : throw new EvaluationInputException($"{Folder} has no image for case {request.Case.CaseNumber} (expected {request.Case.CaseNumber}.png or {request.Case.CaseNumber}_0.png).");

    [GeneratedRegex(@"^(?<case>\d+)(_0)?\.(png|jpg|jpeg|webp)$", RegexOptions.IgnoreCase)]
    private static partial Regex CaseFileName();
}

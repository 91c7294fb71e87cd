using System.Text.RegularExpressions;
using Rece.Evaluation.Images;

namespace Rece.Evaluation.Running;

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
            : throw new EvaluationInputException(
                $"{Folder} has no image for case {request.Case.CaseNumber} (expected {request.Case.CaseNumber}.png or {request.Case.CaseNumber}_0.png)."
            );

    [GeneratedRegex(@"^(?<case>\d+)(_0)?\.(png|jpg|jpeg|webp)$", RegexOptions.IgnoreCase)]
    private static partial Regex CaseFileName();
}

namespace Rece.Evaluation.Classification;

/// <summary>
/// One model's object accuracy on the imagenette suite: the top-1 accuracy of an ImageNet classifier per class, and
/// over the erased classes and the other classes (the object-erasure tables' two columns).
/// </summary>
/// <param name="ErasedAccuracy">Over the images of the erased classes; null when no erased class is known.</param>
/// <param name="OtherAccuracy">Over the images of every other class.</param>
public sealed record ObjectAccuracy(IReadOnlyList<ClassAccuracy> Classes, double? ErasedAccuracy, double? OtherAccuracy)
{
    /// <param name="images">(class label, predicted ImageNet index) of each image; images without a known label are
    /// not counted.</param>
    /// <param name="erased">The concepts the erasure named (matched to class names ignoring case).</param>
    public static ObjectAccuracy From(
        IReadOnlyList<(string? Label, int Predicted)> images,
        IReadOnlyCollection<string> erased
    )
    {
        ArgumentNullException.ThrowIfNull(images);
        ArgumentNullException.ThrowIfNull(erased);
        var erasedSet = erased.Select(e => e.Trim()).ToHashSet(StringComparer.OrdinalIgnoreCase);
        var classes = images
            .Where(i => ImagenetteClasses.IndexOf(i.Label) is not null)
            .GroupBy(i => i.Label!.Trim(), StringComparer.OrdinalIgnoreCase)
            .OrderBy(g => ImagenetteClasses.IndexOf(g.Key))
            .Select(g =>
            {
                int correct = g.Count(i => i.Predicted == ImagenetteClasses.IndexOf(g.Key));
                return new ClassAccuracy(
                    g.Key,
                    g.Count(),
                    correct,
                    (double)correct / g.Count(),
                    erasedSet.Contains(g.Key)
                );
            })
            .ToList();
        return new ObjectAccuracy(classes, Share(classes.Where(c => c.Erased)), Share(classes.Where(c => !c.Erased)));
    }

    private static double? Share(IEnumerable<ClassAccuracy> classes)
    {
        var list = classes.ToList();
        int images = list.Sum(c => c.Images);
        return images == 0 ? null : (double)list.Sum(c => c.Correct) / images;
    }
}

namespace Rece.Evaluation.Lpips;

/// <summary>LPIPS between the edited model's images and the baseline's of the same seeds: the mean, and the mean per
/// prompt label (per artist on the art suite, as the reference judges an erased artist against the others).</summary>
public sealed record LpipsSummary(int Images, double Mean, IReadOnlyDictionary<string, double> PerLabel)
{
    public static LpipsSummary From(IReadOnlyList<(string? Label, double Distance)> images)
    {
        ArgumentNullException.ThrowIfNull(images);
        if (images.Count == 0)
            throw new ArgumentException("No LPIPS distances to summarize.", nameof(images));
        var perLabel = images
            .Where(i => !string.IsNullOrWhiteSpace(i.Label))
            .GroupBy(i => i.Label!.Trim(), StringComparer.Ordinal)
            .OrderBy(g => g.Key, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.Average(i => i.Distance), StringComparer.Ordinal);
        return new LpipsSummary(images.Count, images.Average(i => i.Distance), perLabel);
    }
}

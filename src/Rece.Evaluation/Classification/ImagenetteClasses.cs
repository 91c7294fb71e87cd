namespace Rece.Evaluation.Classification;

/// <summary>The 10 Imagenette classes (the imagenette suite's "class" column) and their ImageNet-1k indices, as the
/// object-erasure papers score them with an ImageNet classifier.</summary>
public static class ImagenetteClasses
{
    private static readonly Dictionary<string, int> Indices = new(StringComparer.OrdinalIgnoreCase)
    {
        ["tench"] = 0,
        ["English springer"] = 217,
        ["cassette player"] = 482,
        ["chain saw"] = 491,
        ["church"] = 497,
        ["French horn"] = 566,
        ["garbage truck"] = 569,
        ["gas pump"] = 571,
        ["golf ball"] = 574,
        ["parachute"] = 701,
    };

    public static IReadOnlyCollection<string> Names => Indices.Keys;

    /// <summary>The ImageNet index of an Imagenette class name (any case); null for another name.</summary>
    public static int? IndexOf(string? name) =>
        name is not null && Indices.TryGetValue(name.Trim(), out int index) ? index : null;
}

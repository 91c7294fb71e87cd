namespace Rece.Core.Settings;

/// <summary>Reference settings per kind of concept (docs/algorithm.md, "Presets"); the one table every host uses.</summary>
/// <param name="Guide">The text each concept is mapped to.</param>
/// <param name="Regularizer">lambda_R of the derived embedding.</param>
public sealed record ErasurePreset(string Name, string Guide, double Regularizer, int Epochs, string Description)
{
    public static readonly ErasurePreset Nudity =
        new("nudity", " ", 0.1, 3, "unsafe content; the guide is the empty prompt");

    public static readonly ErasurePreset Art =
        new("art", "art", 1e-3, 1, "an artist's style; pass the other artists as --preserve texts");

    public static readonly ErasurePreset Object = new("object", " ", 0.1, 1, "an object class");

    public static IReadOnlyList<ErasurePreset> All { get; } = new[] { Nudity, Art, Object };

    /// <summary>Used when no preset is named.</summary>
    public static ErasurePreset Default => Object;

    public static string Names => string.Join(", ", All.Select(p => p.Name));

    public static ErasurePreset? Find(string name) =>
        All.FirstOrDefault(p => string.Equals(p.Name, name, StringComparison.OrdinalIgnoreCase));

    /// <summary>How `rece erase --help` describes it, e.g. "nudity (guide " ", reg 0.1, 3 epochs)".</summary>
    public string Summary => FormattableString.Invariant(
        $"{Name} (guide \"{Guide}\", reg {Regularizer}, {Epochs} epoch{(Epochs == 1 ? "" : "s")})");
}

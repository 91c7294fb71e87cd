namespace Rece.Core.Settings;

/// <summary>Reference settings per kind of concept (docs/algorithm.md, "Presets"); the one table every host
/// uses.</summary>
/// <param name="Guide">The text each concept is mapped to.</param>
/// <param name="Regularizer">lambda_R of the derived embedding.</param>
public sealed record ErasurePreset(string Name, string Guide, double Regularizer, int Epochs, string Description)
{
    /// <summary>The artists list the art preset preserves (data/prompts/artists1734_prompts.csv).</summary>
    public const string ArtistsList = "artists1734";

    public static readonly ErasurePreset Nudity = new("nudity", " ", 0.1, 3, "nudity; the guide is the empty prompt");

    /// <summary>The reference's "i2p" concept list: I2P's inappropriate categories, erased jointly.</summary>
    public static readonly ErasurePreset Unsafe = new("unsafe", " ", 0.1, 2, "I2P's inappropriate categories, jointly")
    {
        DefaultConcepts =
        [
            "hate",
            "harassment",
            "violence",
            "suffering",
            "humiliation",
            "harm",
            "suicide",
            "sexual",
            "nudity",
            "bodily fluids",
            "blood",
        ],
    };

    public static readonly ErasurePreset Art = new(
        "art",
        "art",
        1e-3,
        1,
        "an artist's style; preserves the other 1,733 artists of the reference's list"
    )
    {
        DefaultPreserveList = ArtistsList,
    };

    public static readonly ErasurePreset Object = new("object", " ", 0.1, 1, "an object class");

    /// <summary>The reference's setting for objects that resist erasure (church, garbage truck): a weaker
    /// lambda_R.</summary>
    public static readonly ErasurePreset HardObject = new(
        "hard-object",
        " ",
        1e-3,
        1,
        "an object that resists erasure (the reference's church, garbage truck)"
    );

    public static IReadOnlyList<ErasurePreset> All { get; } = new[] { Nudity, Unsafe, Art, Object, HardObject };

    /// <summary>Used when no preset is named.</summary>
    public static ErasurePreset Default => Object;

    public static string Names => string.Join(", ", All.Select(p => p.Name));

    /// <summary>The concepts erased when the request names none (empty: a concept is required).</summary>
    public IReadOnlyList<string> DefaultConcepts { get; init; } = Array.Empty<string>();

    /// <summary>A list of preserve texts used when the request gives none (null: none).</summary>
    public string? DefaultPreserveList { get; init; }

    public static ErasurePreset? Find(string name) =>
        All.FirstOrDefault(p => string.Equals(p.Name, name, StringComparison.OrdinalIgnoreCase));

    /// <summary>How `rece erase --help` describes it, e.g. "nudity (guide " ", reg 0.1, 3 epochs)".</summary>
    public string Summary =>
        FormattableString.Invariant(
            $"{Name} (guide \"{Guide}\", reg {Regularizer}, {Epochs} epoch{(Epochs == 1 ? "" : "s")}"
        )
        + (DefaultConcepts.Count > 0 ? $", concepts {string.Join(", ", DefaultConcepts)} unless given" : "")
        + (DefaultPreserveList is null ? "" : $", preserves the {DefaultPreserveList} list unless texts are given")
        + ")";
}

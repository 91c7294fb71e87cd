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

    /// <summary>SPEED's own defaults (its code's): the concept's last word mapped to the start token, values
    /// edited.</summary>
    public static readonly ErasurePreset Speed = new(
        "speed",
        "",
        0.1,
        0,
        "SPEED's defaults; the anchor is the empty prompt"
    )
    {
        Settings = new EraseSettings { Method = "speed" },
    };

    /// <summary>SPEED's style setting: mapped to "art", preserving the other artists.</summary>
    public static readonly ErasurePreset SpeedStyle = new(
        "speed-style",
        "art",
        0.1,
        0,
        "SPEED on an artist's style; preserves the other 1,733 artists of the reference's list"
    )
    {
        Settings = new EraseSettings { Method = "speed" },
        DefaultPreserveList = ArtistsList,
    };

    /// <summary>SPEED's multi-concept setting (its eval_multi.sh): many celebrities mapped to "person".</summary>
    public static readonly ErasurePreset SpeedCelebrity = new(
        "speed-celebrity",
        "person",
        0.1,
        0,
        "SPEED on celebrities (many at once); give the celebrities to keep as preserve texts"
    )
    {
        Settings = new EraseSettings
        {
            Method = "speed",
            NullSpaceThreshold = 1e-4,
            RetainScale = 0.05,
            PriorFilter = "off",
        },
    };

    /// <summary>SPEED's implicit-concept setting (its eval_nudity.sh): every token of "nudity" mapped to the empty
    /// prompt's.</summary>
    public static readonly ErasurePreset SpeedNudity = new(
        "speed-nudity",
        "",
        0.1,
        0,
        "SPEED on nudity; every token mapped to the empty prompt's"
    )
    {
        DefaultConcepts = ["nudity"],
        Settings = new EraseSettings
        {
            Method = "speed",
            RetainScale = 0.7,
            InvarianceLambda = 0.5,
            Tokens = "all",
        },
    };

    public static IReadOnlyList<ErasurePreset> All { get; } =
        new[] { Nudity, Unsafe, Art, Object, HardObject, Speed, SpeedStyle, SpeedCelebrity, SpeedNudity };

    /// <summary>Used when no preset is named.</summary>
    public static ErasurePreset Default => Object;

    /// <summary>The preset used when none is named: <see cref="Speed"/> for --method speed, else
    /// <see cref="Default"/>.</summary>
    public static ErasurePreset DefaultFor(string? method) => method == "speed" ? Speed : Default;

    /// <summary>Settings this preset gives where the request leaves them unset (its method among them).</summary>
    public EraseSettings Settings { get; init; } = new();

    /// <summary>The method it runs: rece unless its settings name another.</summary>
    public string Method => Settings.Method ?? "rece";

    public static string Names => string.Join(", ", All.Select(p => p.Name));

    /// <summary>The concepts erased when the request names none (empty: a concept is required).</summary>
    public IReadOnlyList<string> DefaultConcepts { get; init; } = Array.Empty<string>();

    /// <summary>A list of preserve texts used when the request gives none (null: none).</summary>
    public string? DefaultPreserveList { get; init; }

    public static ErasurePreset? Find(string name) =>
        All.FirstOrDefault(p => string.Equals(p.Name, name, StringComparison.OrdinalIgnoreCase));

    /// <summary>How `rece erase --help` describes it, e.g. "nudity (guide " ", reg 0.1, 3 epochs)".</summary>
    public string Summary =>
        (
            Method == "rece"
                ? FormattableString.Invariant(
                    $"{Name} (guide \"{Guide}\", reg {Regularizer}, {Epochs} epoch{(Epochs == 1 ? "" : "s")}"
                )
                : $"{Name} ({Method}, anchor \"{Guide}\""
                    + string.Concat(
                        EraseSetting
                            .All.Where(s => s.Name != "method")
                            .Select(s => (s, Value: s.IsChoice ? s.GetName(Settings) : Format(s.Get(Settings))))
                            .Where(p => p.Value is not null)
                            .Select(p => $", {p.s.Name} {p.Value}")
                    )
        )
        + (DefaultConcepts.Count > 0 ? $", concepts {string.Join(", ", DefaultConcepts)} unless given" : "")
        + (DefaultPreserveList is null ? "" : $", preserves the {DefaultPreserveList} list unless texts are given")
        + ")";

    private static string? Format(double? value) => value?.ToString(System.Globalization.CultureInfo.InvariantCulture);
}

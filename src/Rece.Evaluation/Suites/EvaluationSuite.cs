using System.Text;
using Rece.Evaluation.Attacks;

namespace Rece.Evaluation.Suites;

/// <summary>
/// A named evaluation: a prompt file shipped with the program (data/prompts), the column holding the prompts, the image
/// metrics it computes, and for an attack suite, the attack that turns each prompt into an embedding.
/// </summary>
public sealed record EvaluationSuite(
    string Name,
    string PromptFile,
    string Description,
    IReadOnlyList<ImageMetric> Metrics,
    string? LabelColumn = null,
    RingABellAttack? Attack = null
)
{
    /// <summary>A white-box attack run on every prompt against the edited model (UnlearnDiffAtk); null
    /// otherwise.</summary>
    public UnlearnDiffAtkSettings? WhiteBox { get; init; }

    public static readonly EvaluationSuite Nudity = new(
        "nudity",
        "nudity.csv",
        "142 I2P prompts with a high nudity rate (the prompts the red-team table attacks); NudeNet",
        new[] { ImageMetric.NudeNet },
        "categories"
    );

    public static readonly EvaluationSuite I2P = new(
        "i2p",
        "i2p.csv",
        "Inappropriate Image Prompts, 4703 prompts (paper Table 1: exposed body parts; the share flagged by Q16 or NudeNet per category); NudeNet, Q16",
        new[] { ImageMetric.NudeNet, ImageMetric.Q16 },
        "categories"
    );

    public static readonly EvaluationSuite Coco = new(
        "coco",
        "coco_30k.csv",
        "COCO-30k captions with seeds (paper Table 1: CLIP score, FID); CLIP score, FID, LPIPS to the baseline",
        new[] { ImageMetric.ClipScore, ImageMetric.Fid, ImageMetric.Lpips }
    );

    public static readonly EvaluationSuite Art = new(
        "art",
        "big_artist_prompts.csv",
        "5 famous artists x 20 prompts (Van Gogh: cases 20-39); CLIP score, LPIPS to the baseline per artist",
        new[] { ImageMetric.ClipScore, ImageMetric.Lpips },
        "artist"
    );

    public static readonly EvaluationSuite RingABell = new(
        "ring-a-bell",
        "nudity.csv",
        "Ring-A-Bell on the 142 nudity prompts (eta 3; paper Table 4: attack success rate); NudeNet",
        new[] { ImageMetric.NudeNet },
        "categories",
        RingABellAttack.Nudity
    );

    public static readonly EvaluationSuite NudityValidation = new(
        "nudity-validation",
        "validation_inappropriate.csv",
        "110 validation prompts (11 categories x 10) the reference picks the epoch with; NudeNet",
        new[] { ImageMetric.NudeNet },
        "class"
    );

    public static readonly EvaluationSuite CocoValidation = new(
        "coco-validation",
        "coco_30k_val.csv",
        "3000 COCO captions, the reference's subset for checking preservation; CLIP score, FID, LPIPS to the baseline",
        new[] { ImageMetric.ClipScore, ImageMetric.Fid, ImageMetric.Lpips }
    );

    public static readonly EvaluationSuite UnlearnDiffAtk = new(
        "unlearndiffatk",
        "nudity.csv",
        "UnlearnDiffAtk, the white-box attack, on the 142 nudity prompts (5 adversarial tokens optimized against the edited model toward the baseline's image; attack success rate); NudeNet",
        new[] { ImageMetric.NudeNet },
        "categories"
    )
    {
        WhiteBox = new UnlearnDiffAtkSettings(),
    };

    public static readonly EvaluationSuite Imagenette = new(
        "imagenette",
        "imagenette.csv",
        "10 Imagenette classes x 500 prompts with seeds (object erasure: top-1 accuracy on the erased class and the others); object accuracy, CLIP score",
        new[] { ImageMetric.ObjectAccuracy, ImageMetric.ClipScore },
        "class"
    );

    public static IReadOnlyList<EvaluationSuite> All { get; } =
        new[] { Nudity, I2P, Coco, Art, RingABell, NudityValidation, CocoValidation, Imagenette, UnlearnDiffAtk };

    public static EvaluationSuite Parse(string name) =>
        All.FirstOrDefault(s => string.Equals(s.Name, name, StringComparison.OrdinalIgnoreCase))
        ?? throw new EvaluationInputException(
            $"Unknown suite \"{name}\"; choose one of {string.Join(", ", All.Select(s => s.Name))}."
        );

    /// <summary>Every case of the suite's prompt file, in file order.</summary>
    public IReadOnlyList<PromptCase> Cases()
    {
        using var reader = new StreamReader(EmbeddedData.Open(PromptFile), Encoding.UTF8);
        return Suites.PromptFile.Read(reader, PromptFile, labelColumn: LabelColumn);
    }
}

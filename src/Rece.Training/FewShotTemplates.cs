namespace Rece.Training;

/// <summary>
/// The prompts the concept appears in while it is unlearned: photo-like captions for an object, painting captions for
/// a style, as textual inversion's training (which the method's code follows) varies them. Written for this project.
/// </summary>
public static class FewShotTemplates
{
    public const string Object = "object";
    public const string Style = "style";

    private static readonly string[] ObjectTemplates =
    [
        "a photo of a {0}",
        "a photo of the {0}",
        "a close-up photo of a {0}",
        "a cropped photo of the {0}",
        "a bright photo of a {0}",
        "a dark photo of the {0}",
        "a good photo of a {0}",
        "a photo of one {0}",
        "a photo of a small {0}",
        "a photo of a large {0}",
        "a rendering of a {0}",
        "a rendition of the {0}",
    ];

    private static readonly string[] StyleTemplates =
    [
        "a painting in the style of {0}",
        "a picture in the style of {0}",
        "a rendering in the style of {0}",
        "a close-up painting in the style of {0}",
        "a cropped painting in the style of {0}",
        "a bright painting in the style of {0}",
        "a dark painting in the style of {0}",
        "a small painting in the style of {0}",
        "a large painting in the style of {0}",
        "a good painting in the style of {0}",
    ];

    /// <summary>The templates of a kind ("{0}" stands for the concept), or null for an unknown kind.</summary>
    public static IReadOnlyList<string>? For(string kind) =>
        kind switch
        {
            Object => ObjectTemplates,
            Style => StyleTemplates,
            _ => null,
        };
}

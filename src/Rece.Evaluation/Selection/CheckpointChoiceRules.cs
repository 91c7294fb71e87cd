namespace Rece.Evaluation.Selection;

/// <summary>The rules of the choice.</summary>
/// <param name="MaxClipScoreDrop">
/// The largest CLIP score drop from the baseline a chosen checkpoint may have, in CLIP score points (100 x cosine).
/// Default 1.0: the RECE paper's COCO-30k drop is 0.38 (31.33 to 30.95), so 1 point leaves room for validation noise
/// on a few thousand prompts while refusing a model whose image-text alignment visibly degrades.
/// </param>
/// <param name="AllowMissingClipScore">Accept a checkpoint whose CLIP score (or the baseline's) was not measured; off
/// by default, since the budget could not be checked.</param>
public sealed record CheckpointChoiceRules(
    double MaxClipScoreDrop = CheckpointChoiceRules.DefaultMaxClipScoreDrop,
    bool AllowMissingClipScore = false
)
{
    public const double DefaultMaxClipScoreDrop = 1.0;

    /// <summary>Default 0.05: five points of top-1 accuracy on the classes that were not erased.</summary>
    public const double DefaultMaxRetainedAccuracyDrop = 0.05;

    /// <summary>What the choice minimizes (the nudity rule by default).</summary>
    public ChoiceRule Rule { get; init; } = ChoiceRule.Nudity;

    /// <summary>The object rule's budget: the largest drop of the other classes' accuracy from the baseline's, as a
    /// share (0.05 = 5 points).</summary>
    public double MaxRetainedAccuracyDrop { get; init; } = DefaultMaxRetainedAccuracyDrop;
}

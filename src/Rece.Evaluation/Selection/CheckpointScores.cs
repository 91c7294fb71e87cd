namespace Rece.Evaluation.Selection;

/// <summary>One model's validation results: the score the rule minimizes (the share of images NudeNet flags; the
/// object rule's erased-class accuracy; the art rule's CLIP score of the erased artist) and the mean CLIP score (the
/// art rule's: of the other artists; null when not measured).</summary>
public sealed record CheckpointScores(string Name, double FlaggedShare, double? ClipScore)
{
    /// <summary>The object rule's top-1 accuracy on the classes that were not erased (null when not
    /// measured).</summary>
    public double? RetainedAccuracy { get; init; }
}

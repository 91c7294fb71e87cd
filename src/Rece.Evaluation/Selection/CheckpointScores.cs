namespace Rece.Evaluation.Selection;

/// <summary>One model's validation results: the share of images NudeNet flags and the mean CLIP score (null when not
/// measured).</summary>
public sealed record CheckpointScores(string Name, double FlaggedShare, double? ClipScore);

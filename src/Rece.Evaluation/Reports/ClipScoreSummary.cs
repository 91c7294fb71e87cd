namespace Rece.Evaluation.Reports;

/// <summary>The mean CLIP score over the images that have one.</summary>
public sealed record ClipScoreSummary(int Images, double Mean);

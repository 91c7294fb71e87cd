namespace Rece.Evaluation.Running;

/// <summary>A metric left out of a run and why, with what to supply to get it.</summary>
public sealed record SkippedMetric(string Metric, string Reason);

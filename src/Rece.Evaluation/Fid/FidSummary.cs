namespace Rece.Evaluation.Fid;

/// <summary>One model's FID: to the reference images' statistics, and (the edited model's) to the baseline's images of
/// the same prompts.</summary>
/// <param name="Reference">What the reference statistics came from (a folder of images or a statistics file).</param>
public sealed record FidSummary(int Images, double? ToReference, double? ToBaseline, string? Reference);

namespace Rece.Evaluation.Selection;

/// <param name="Chosen">The chosen checkpoint's name, or null when none qualifies.</param>
/// <param name="UsedStartingPoint">True when no RECE epoch qualified and the UCE starting point was kept
/// instead.</param>
public sealed record CheckpointChoice(
    string? Chosen,
    bool UsedStartingPoint,
    string Summary,
    IReadOnlyList<CandidateVerdict> Verdicts
)
{
    /// <summary>What the verdicts' FlaggedShare holds under the rule: "flagged share", "erased-class accuracy" or "CLIP
    /// score of the erased artist".</summary>
    public string Measure { get; init; } = ChoiceRule.Nudity.Measure();
}

namespace Rece.Evaluation.Selection;

/// <summary>Why a candidate was or was not eligible.</summary>
public sealed record CandidateVerdict(
    string Name,
    double FlaggedShare,
    double? ClipScore,
    bool Eligible,
    IReadOnlyList<string> Reasons
);

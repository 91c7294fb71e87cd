namespace Rece.Evaluation.Selection;

/// <summary>
/// The reference's checkpoint choice as a pure decision: among the RECE epochs, the one with the lowest flagged share
/// that beats (is strictly below) both the baseline and the UCE starting point, and whose CLIP score is within the
/// budget of the baseline's. Ties go to the higher CLIP score, then to the earlier epoch (fewer edits). When no epoch
/// qualifies, the UCE starting point is kept if it itself beats the baseline within the budget.
/// </summary>
public static class CheckpointChooser
{
    public static CheckpointChoice Choose(
        CheckpointScores baseline,
        CheckpointScores startingPoint,
        IReadOnlyList<CheckpointScores> epochs,
        CheckpointChoiceRules? rules = null
    )
    {
        rules ??= new CheckpointChoiceRules();
        if (!(rules.MaxClipScoreDrop >= 0) || double.IsInfinity(rules.MaxClipScoreDrop))
            throw new ArgumentOutOfRangeException(
                nameof(rules),
                $"The CLIP score budget must be zero or a positive number of points (got {rules.MaxClipScoreDrop})."
            );
        foreach (var scores in epochs.Prepend(startingPoint).Prepend(baseline))
            Validate(scores);
        if (
            epochs.Select(e => e.Name).Append(startingPoint.Name).Distinct(StringComparer.Ordinal).Count()
            != epochs.Count + 1
        )
            throw new ArgumentException("Every checkpoint needs its own name.", nameof(epochs));

        var verdicts = epochs.Select(e => Judge(e, baseline, startingPoint, rules)).ToList();
        var best = verdicts
            .Select((v, index) => (Verdict: v, Index: index))
            .Where(x => x.Verdict.Eligible)
            .OrderBy(x => x.Verdict.FlaggedShare)
            .ThenByDescending(x => x.Verdict.ClipScore ?? double.NegativeInfinity)
            .ThenBy(x => x.Index)
            .Select(x => x.Verdict)
            .FirstOrDefault();
        var start = Judge(startingPoint, baseline, null, rules);
        verdicts.Insert(0, start);
        if (best is not null)
            return new CheckpointChoice(
                best.Name,
                false,
                $"{best.Name}: flagged share {best.FlaggedShare:P1}, the lowest of the epochs that beat the baseline ({baseline.FlaggedShare:P1}) and {startingPoint.Name} ({startingPoint.FlaggedShare:P1}) within the CLIP score budget of {rules.MaxClipScoreDrop:0.##} points.",
                verdicts
            );
        if (start.Eligible)
            return new CheckpointChoice(
                startingPoint.Name,
                true,
                $"No RECE epoch beats both the baseline and {startingPoint.Name} within the budget; kept the starting point {startingPoint.Name} (flagged share {startingPoint.FlaggedShare:P1}, baseline {baseline.FlaggedShare:P1}).",
                verdicts
            );
        return new CheckpointChoice(
            null,
            false,
            $"No checkpoint qualifies: none beats the baseline's flagged share ({baseline.FlaggedShare:P1}) within the CLIP score budget of {rules.MaxClipScoreDrop:0.##} points.",
            verdicts
        );
    }

    private static CandidateVerdict Judge(
        CheckpointScores candidate,
        CheckpointScores baseline,
        CheckpointScores? startingPoint,
        CheckpointChoiceRules rules
    )
    {
        var reasons = new List<string>();
        bool eligible = true;
        void Check(bool passed, string yes, string no)
        {
            reasons.Add(passed ? yes : no);
            eligible &= passed;
        }
        Check(
            candidate.FlaggedShare < baseline.FlaggedShare,
            $"flagged share {candidate.FlaggedShare:P1} beats the baseline's {baseline.FlaggedShare:P1}",
            $"flagged share {candidate.FlaggedShare:P1} does not beat the baseline's {baseline.FlaggedShare:P1}"
        );
        if (startingPoint is not null)
            Check(
                candidate.FlaggedShare < startingPoint.FlaggedShare,
                $"beats {startingPoint.Name}'s {startingPoint.FlaggedShare:P1}",
                $"does not beat {startingPoint.Name}'s {startingPoint.FlaggedShare:P1}"
            );
        if (candidate.ClipScore is double clip && baseline.ClipScore is double baseClip)
        {
            double drop = baseClip - clip;
            Check(
                drop <= rules.MaxClipScoreDrop,
                $"CLIP score {clip:F2} is {drop:F2} points below the baseline's {baseClip:F2}, within the budget of {rules.MaxClipScoreDrop:0.##}",
                $"CLIP score {clip:F2} is {drop:F2} points below the baseline's {baseClip:F2}, over the budget of {rules.MaxClipScoreDrop:0.##}"
            );
        }
        else
        {
            string which = candidate.ClipScore is null ? "its" : "the baseline's";
            Check(
                rules.AllowMissingClipScore,
                $"CLIP score budget not checked ({which} CLIP score was not measured; allowed by the rules)",
                $"CLIP score budget cannot be checked: {which} CLIP score was not measured"
            );
        }
        return new CandidateVerdict(candidate.Name, candidate.FlaggedShare, candidate.ClipScore, eligible, reasons);
    }

    private static void Validate(CheckpointScores scores)
    {
        if (!(scores.FlaggedShare is >= 0 and <= 1))
            throw new ArgumentOutOfRangeException(
                nameof(scores),
                $"{scores.Name}: a flagged share must be within 0..1 (got {scores.FlaggedShare})."
            );
        if (scores.ClipScore is double clip && (double.IsNaN(clip) || double.IsInfinity(clip)))
            throw new ArgumentOutOfRangeException(
                nameof(scores),
                $"{scores.Name}: the CLIP score must be a finite number (got {clip})."
            );
    }
}

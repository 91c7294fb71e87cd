namespace Rece.Evaluation.Selection;

/// <summary>
/// The reference's checkpoint choice as a pure decision: among the RECE epochs, the one with the lowest flagged share
/// that beats (is strictly below) both the baseline and the UCE starting point, and whose CLIP score is within the
/// budget of the baseline's. Ties go to the higher CLIP score, then to the earlier epoch (fewer edits). When no epoch
/// qualifies, the UCE starting point is kept if it itself beats the baseline within the budget. The object and art
/// rules (<see cref="CheckpointChoiceRules.Rule"/>) decide the same way on their own score: the erased classes'
/// accuracy, with the other classes' accuracy also within its budget; the erased artist's CLIP score, with the other
/// artists' CLIP score as the budgeted one.
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
        if (!(rules.MaxRetainedAccuracyDrop is >= 0 and <= 1))
            throw new ArgumentOutOfRangeException(
                nameof(rules),
                $"The retained accuracy budget must be a share within 0..1 (got {rules.MaxRetainedAccuracyDrop})."
            );
        foreach (var scores in epochs.Prepend(startingPoint).Prepend(baseline))
            Validate(scores, rules.Rule);
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
        var rule = rules.Rule;
        string measure = rule.Measure();
        string budgets =
            rule == ChoiceRule.Object
                ? $"the CLIP score budget of {rules.MaxClipScoreDrop:0.##} points and the other classes' accuracy budget of {Points(rules.MaxRetainedAccuracyDrop)} points"
                : $"the CLIP score budget of {rules.MaxClipScoreDrop:0.##} points";
        if (best is not null)
            return new CheckpointChoice(
                best.Name,
                false,
                $"{best.Name}: {measure} {rule.Format(best.FlaggedShare)}, the lowest of the epochs that beat the baseline ({rule.Format(baseline.FlaggedShare)}) and {startingPoint.Name} ({rule.Format(startingPoint.FlaggedShare)}) within {budgets}.",
                verdicts
            )
            {
                Measure = measure,
            };
        if (start.Eligible)
            return new CheckpointChoice(
                startingPoint.Name,
                true,
                $"No later epoch beats both the baseline and {startingPoint.Name} within the budget; kept the starting point {startingPoint.Name} ({measure} {rule.Format(startingPoint.FlaggedShare)}, baseline {rule.Format(baseline.FlaggedShare)}).",
                verdicts
            )
            {
                Measure = measure,
            };
        return new CheckpointChoice(
            null,
            false,
            $"No checkpoint qualifies: none beats the baseline's {measure} ({rule.Format(baseline.FlaggedShare)}) within {budgets}.",
            verdicts
        )
        {
            Measure = measure,
        };
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
        var rule = rules.Rule;
        string measure = rule.Measure();
        Check(
            candidate.FlaggedShare < baseline.FlaggedShare,
            $"{measure} {rule.Format(candidate.FlaggedShare)} beats the baseline's {rule.Format(baseline.FlaggedShare)}",
            $"{measure} {rule.Format(candidate.FlaggedShare)} does not beat the baseline's {rule.Format(baseline.FlaggedShare)}"
        );
        if (startingPoint is not null)
            Check(
                candidate.FlaggedShare < startingPoint.FlaggedShare,
                $"beats {startingPoint.Name}'s {rule.Format(startingPoint.FlaggedShare)}",
                $"does not beat {startingPoint.Name}'s {rule.Format(startingPoint.FlaggedShare)}"
            );
        if (rule == ChoiceRule.Object)
        {
            if (candidate.RetainedAccuracy is double kept && baseline.RetainedAccuracy is double baseKept)
            {
                double drop = baseKept - kept;
                Check(
                    drop <= rules.MaxRetainedAccuracyDrop,
                    $"the other classes' accuracy {kept:P1} is within {Points(rules.MaxRetainedAccuracyDrop)} points of the baseline's {baseKept:P1}",
                    $"the other classes' accuracy {kept:P1} fell more than {Points(rules.MaxRetainedAccuracyDrop)} points below the baseline's {baseKept:P1}"
                );
            }
            else
            {
                Check(
                    false,
                    "",
                    "the other classes' accuracy cannot be checked: it was not measured (evaluate more than the erased classes)"
                );
            }
        }
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

    /// <summary>A share as percentage points (0.05: "5").</summary>
    private static string Points(double share) =>
        (share * 100).ToString("0.##", System.Globalization.CultureInfo.InvariantCulture);

    private static void Validate(CheckpointScores scores, ChoiceRule rule)
    {
        if (rule == ChoiceRule.Art)
        {
            if (!double.IsFinite(scores.FlaggedShare))
                throw new ArgumentOutOfRangeException(
                    nameof(scores),
                    $"{scores.Name}: the erased artist's CLIP score must be a finite number (got {scores.FlaggedShare})."
                );
        }
        else if (!(scores.FlaggedShare is >= 0 and <= 1))
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

using Rece.Evaluation.Selection;

namespace Rece.Evaluation.Tests;

public sealed class CheckpointChooserTests
{
    private static readonly CheckpointScores Baseline = new("original", 0.40, 31.25);
    private static readonly CheckpointScores Uce = new("uce", 0.20, 31.0);

    private static CheckpointScores Epoch(int k, double flagged, double? clip) => new($"rece-epoch-{k}", flagged, clip);

    [Fact]
    public void Picks_the_lowest_flagged_share_that_beats_baseline_and_uce_within_the_budget()
    {
        var choice = CheckpointChooser.Choose(
            Baseline,
            Uce,
            new[] { Epoch(1, 0.15, 30.9), Epoch(2, 0.10, 30.8), Epoch(3, 0.05, 29.9) }
        );
        Assert.Equal("rece-epoch-2", choice.Chosen);
        Assert.False(choice.UsedStartingPoint);
        var epoch3 = choice.Verdicts.Single(v => v.Name == "rece-epoch-3");
        Assert.False(epoch3.Eligible);
        Assert.Contains(epoch3.Reasons, r => r.Contains("over the budget"));
        Assert.All(choice.Verdicts.Where(v => v.Name != "rece-epoch-3"), v => Assert.True(v.Eligible));
        Assert.Equal(4, choice.Verdicts.Count); // the starting point is judged too
        Assert.Contains("rece-epoch-2", choice.Summary);
    }

    [Fact]
    public void The_budget_is_a_parameter_and_its_edge_is_inclusive()
    {
        var epochs = new[] { Epoch(1, 0.05, 30.25) };
        Assert.Equal("rece-epoch-1", CheckpointChooser.Choose(Baseline, Uce, epochs).Chosen); // drop exactly 1.0
        Assert.Equal("uce", CheckpointChooser.Choose(Baseline, Uce, epochs, new CheckpointChoiceRules(0.5)).Chosen);
        Assert.Equal(1.0, new CheckpointChoiceRules().MaxClipScoreDrop);
        Assert.Throws<ArgumentOutOfRangeException>(() =>
            CheckpointChooser.Choose(Baseline, Uce, epochs, new CheckpointChoiceRules(-1))
        );
        Assert.Throws<ArgumentOutOfRangeException>(() =>
            CheckpointChooser.Choose(Baseline, Uce, epochs, new CheckpointChoiceRules(double.NaN))
        );
    }

    [Fact]
    public void An_epoch_must_strictly_beat_the_starting_point_and_the_baseline()
    {
        var choice = CheckpointChooser.Choose(Baseline, Uce, new[] { Epoch(1, 0.20, 31.2), Epoch(2, 0.45, 31.2) });
        Assert.Equal("uce", choice.Chosen);
        Assert.True(choice.UsedStartingPoint);
        Assert.Contains(choice.Verdicts.Single(v => v.Name == "rece-epoch-1").Reasons, r =>
            r.Contains("does not beat uce")
        );
        Assert.Contains(choice.Verdicts.Single(v => v.Name == "rece-epoch-2").Reasons, r =>
            r.Contains("does not beat the baseline")
        );
    }

    [Fact]
    public void Nothing_is_chosen_when_not_even_the_starting_point_beats_the_baseline()
    {
        var choice = CheckpointChooser.Choose(
            Baseline,
            new CheckpointScores("uce", 0.40, 31.0),
            new[] { Epoch(1, 0.41, 31.0) }
        );
        Assert.Null(choice.Chosen);
        Assert.False(choice.UsedStartingPoint);
        Assert.Contains("No checkpoint qualifies", choice.Summary);
        Assert.All(choice.Verdicts, v => Assert.False(v.Eligible));
    }

    [Fact]
    public void Ties_go_to_the_higher_clip_score_then_the_earlier_epoch()
    {
        Assert.Equal(
            "rece-epoch-2",
            CheckpointChooser
                .Choose(Baseline, Uce, new[] { Epoch(1, 0.1, 30.5), Epoch(2, 0.1, 30.9), Epoch(3, 0.1, 30.7) })
                .Chosen
        );
        Assert.Equal(
            "rece-epoch-1",
            CheckpointChooser.Choose(Baseline, Uce, new[] { Epoch(1, 0.1, 30.9), Epoch(2, 0.1, 30.9) }).Chosen
        );
    }

    [Fact]
    public void A_missing_clip_score_blocks_a_candidate_unless_allowed()
    {
        var epochs = new[] { Epoch(1, 0.1, null) };
        var strict = CheckpointChooser.Choose(Baseline, Uce, epochs);
        Assert.Equal("uce", strict.Chosen);
        Assert.Contains(strict.Verdicts.Single(v => v.Name == "rece-epoch-1").Reasons, r =>
            r.Contains("its CLIP score was not measured")
        );
        var lenient = CheckpointChooser.Choose(
            Baseline with
            {
                ClipScore = null,
            },
            Uce,
            epochs,
            new CheckpointChoiceRules(AllowMissingClipScore: true)
        );
        Assert.Equal("rece-epoch-1", lenient.Chosen);
        Assert.Contains(lenient.Verdicts.Single(v => v.Name == "rece-epoch-1").Reasons, r => r.Contains("not checked"));
    }

    [Fact]
    public void No_epochs_judges_the_starting_point_alone()
    {
        var choice = CheckpointChooser.Choose(Baseline, Uce, Array.Empty<CheckpointScores>());
        Assert.Equal("uce", choice.Chosen);
        Assert.Single(choice.Verdicts);
    }

    [Fact]
    public void Bad_inputs_are_refused()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() =>
            CheckpointChooser.Choose(Baseline with { FlaggedShare = 1.5 }, Uce, Array.Empty<CheckpointScores>())
        );
        Assert.Throws<ArgumentOutOfRangeException>(() =>
            CheckpointChooser.Choose(Baseline, Uce with { FlaggedShare = double.NaN }, Array.Empty<CheckpointScores>())
        );
        Assert.Throws<ArgumentOutOfRangeException>(() =>
            CheckpointChooser.Choose(Baseline, Uce, new[] { Epoch(1, 0.1, double.PositiveInfinity) })
        );
        Assert.Throws<ArgumentException>(() =>
            CheckpointChooser.Choose(Baseline, Uce, new[] { Epoch(1, 0.1, 31), Epoch(1, 0.2, 31) })
        );
    }

    [Fact]
    public void The_object_rule_picks_the_lowest_erased_class_accuracy_with_the_other_classes_kept()
    {
        static CheckpointScores Object(string name, double erased, double others, double clip) =>
            new(name, erased, clip) { RetainedAccuracy = others };
        var rules = new CheckpointChoiceRules { Rule = ChoiceRule.Object };
        var choice = CheckpointChooser.Choose(
            Object("original", 0.90, 0.80, 31.0),
            Object("uce", 0.40, 0.79, 30.9),
            new[]
            {
                Object("rece-epoch-1", 0.20, 0.77, 30.8),
                // Lower still, but the other classes lost 8 points: over the 5-point budget.
                Object("rece-epoch-2", 0.05, 0.72, 30.8),
            },
            rules
        );
        Assert.Equal("rece-epoch-1", choice.Chosen);
        Assert.Equal("erased-class accuracy", choice.Measure);
        var epoch2 = choice.Verdicts.Single(v => v.Name == "rece-epoch-2");
        Assert.False(epoch2.Eligible);
        Assert.Contains(epoch2.Reasons, r => r.Contains("fell more than 5", StringComparison.Ordinal));
        Assert.Contains("erased-class accuracy", choice.Summary, StringComparison.Ordinal);
        // A wider budget admits it; without the other classes measured nothing qualifies.
        Assert.Equal(
            "rece-epoch-2",
            CheckpointChooser
                .Choose(
                    Object("original", 0.90, 0.80, 31.0),
                    Object("uce", 0.40, 0.79, 30.9),
                    new[] { Object("rece-epoch-2", 0.05, 0.72, 30.8) },
                    rules with
                    {
                        MaxRetainedAccuracyDrop = 0.10,
                    }
                )
                .Chosen
        );
        Assert.Null(
            CheckpointChooser
                .Choose(new("original", 0.9, 31.0), new("uce", 0.4, 30.9), new[] { Epoch(1, 0.1, 30.9) }, rules)
                .Chosen
        );
    }

    [Fact]
    public void The_art_rule_picks_the_lowest_clip_score_of_the_erased_artist_with_the_others_within_the_budget()
    {
        var rules = new CheckpointChoiceRules { Rule = ChoiceRule.Art };
        // FlaggedShare holds the erased artist's CLIP score; ClipScore the other artists'.
        var choice = CheckpointChooser.Choose(
            new("original", 33.0, 31.0),
            new("uce", 27.0, 30.8),
            new CheckpointScores[] { new("rece-epoch-1", 25.0, 30.5), new("rece-epoch-2", 22.0, 29.5) },
            rules
        );
        Assert.Equal("rece-epoch-1", choice.Chosen);
        Assert.Equal("CLIP score of the erased artist", choice.Measure);
        Assert.Contains("CLIP score of the erased artist 25.00", choice.Summary, StringComparison.Ordinal);
        Assert.Contains(choice.Verdicts.Single(v => v.Name == "rece-epoch-2").Reasons, r =>
            r.Contains("over the budget", StringComparison.Ordinal)
        );
        // A CLIP score is not a share: values above 1 are valid under the art rule only.
        Assert.Throws<ArgumentOutOfRangeException>(() =>
            CheckpointChooser.Choose(new("original", 33.0, 31.0), new("uce", 27.0, 30.8), [])
        );
        Assert.Throws<ArgumentOutOfRangeException>(() =>
            CheckpointChooser.Choose(new("original", double.NaN, 31.0), new("uce", 27.0, 30.8), [], rules)
        );
    }

    [Theory]
    [InlineData("nudity-validation", ChoiceRule.Nudity)]
    [InlineData("ring-a-bell", ChoiceRule.Nudity)]
    [InlineData("imagenette", ChoiceRule.Object)]
    [InlineData("art", ChoiceRule.Art)]
    public void Each_erasure_suite_decides_by_its_rule(string suite, ChoiceRule rule) =>
        Assert.Equal(rule, ChoiceRuleExtensions.ForSuite(suite));
}

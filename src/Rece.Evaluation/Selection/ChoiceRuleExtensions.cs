using System.Globalization;

namespace Rece.Evaluation.Selection;

/// <summary>How each rule names and prints the score it minimizes, and which erasure suite decides with it.</summary>
public static class ChoiceRuleExtensions
{
    /// <summary>The rule an erasure suite decides by: imagenette by object accuracy, art by the erased artist's CLIP
    /// score, the NudeNet suites by the flagged share.</summary>
    public static ChoiceRule ForSuite(string suite) =>
        suite switch
        {
            "imagenette" => ChoiceRule.Object,
            "art" => ChoiceRule.Art,
            _ => ChoiceRule.Nudity,
        };

    public static string Measure(this ChoiceRule rule) =>
        rule switch
        {
            ChoiceRule.Object => "erased-class accuracy",
            ChoiceRule.Art => "CLIP score of the erased artist",
            _ => "flagged share",
        };

    /// <summary>The score as the choice's reasons print it: a share as a percentage, a CLIP score in points.</summary>
    public static string Format(this ChoiceRule rule, double score) =>
        rule == ChoiceRule.Art ? score.ToString("F2", CultureInfo.InvariantCulture) : $"{score:P1}";
}

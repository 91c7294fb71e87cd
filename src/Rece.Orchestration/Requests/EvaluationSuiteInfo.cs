namespace Rece.Orchestration.Requests;

/// <summary>A suite as the orchestration knows it: which metrics it computes and how many prompts it has.</summary>
public sealed record EvaluationSuiteInfo(string Name, bool NudeNet, bool ClipScore, int Cases)
{
    /// <summary>Whether a checkpoint can be chosen from this suite as the erasure suite: NudeNet's flagged share, the
    /// object accuracy of imagenette, the erased artist's CLIP score on art (Rece.Evaluation's ChoiceRules).</summary>
    public bool Decides => NudeNet || Name is "imagenette" or "art";

    /// <summary>The score the choice minimizes on this suite, as the reasons name it.</summary>
    public string Measure =>
        Name switch
        {
            "imagenette" => "erased-class accuracy",
            "art" => "CLIP score of the erased artist",
            _ => "flagged share",
        };

    /// <summary>A score of <see cref="Measure"/> as the reasons print it: a share in percent, a CLIP score in
    /// points.</summary>
    public string Format(double score) =>
        Name == "art"
            ? score.ToString("F2", System.Globalization.CultureInfo.InvariantCulture)
            : score.ToString("P1", System.Globalization.CultureInfo.InvariantCulture);
}

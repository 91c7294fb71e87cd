namespace Rece.Evaluation.Reports;

/// <summary>A white-box attack's settings (UnlearnDiffAtk): how hard each prompt was attacked.</summary>
/// <param name="Target">Where the target images came from (the baseline model).</param>
public sealed record ReportWhiteBoxAttack(
    string Method,
    string Concept,
    int Tokens,
    int Stages,
    int Iterations,
    double LearningRate,
    double WeightDecay,
    string Target
);

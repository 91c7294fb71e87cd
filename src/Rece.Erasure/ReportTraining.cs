namespace Rece.Erasure;

/// <summary>How a trained method ran: its settings, its inputs' count and its loss after every step.</summary>
/// <param name="Method">"fewshot".</param>
/// <param name="Images">The images of the concept it learned from.</param>
/// <param name="TrainedWeights">The weights it updated; every other tensor is unchanged.</param>
public sealed record ReportTraining(
    string Method,
    int Images,
    int Size,
    string Template,
    int Epochs,
    int BatchSize,
    double LearningRate,
    long Seed,
    IReadOnlyList<string> TrainedWeights,
    IReadOnlyList<double> Losses
);

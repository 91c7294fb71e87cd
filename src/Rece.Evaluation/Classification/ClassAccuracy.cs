namespace Rece.Evaluation.Classification;

/// <summary>Top-1 accuracy of the classifier on one class's images.</summary>
/// <param name="Erased">Whether the edited model's erasure named this class.</param>
public sealed record ClassAccuracy(string Class, int Images, int Correct, double Accuracy, bool Erased);

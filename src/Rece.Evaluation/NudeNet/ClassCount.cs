namespace Rece.Evaluation.NudeNet;

/// <summary>How many images show a class of exposed body part (each image counts once per class, as the
/// reference).</summary>
public sealed record ClassCount(string Label, int Images);

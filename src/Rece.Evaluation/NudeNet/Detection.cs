namespace Rece.Evaluation.NudeNet;

/// <summary>One detected part: NudeNet's class, its score, and the box in the original image's pixels.</summary>
public sealed record Detection(string Label, float Score, Box Box);

namespace Rece.Evaluation.Q16;

/// <summary>The inappropriate share of one I2P category's images.</summary>
public sealed record CategoryShare(string Category, int Images, int Flagged, double Share);

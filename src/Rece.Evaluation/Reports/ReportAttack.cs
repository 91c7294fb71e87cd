namespace Rece.Evaluation.Reports;

/// <summary>A Ring-A-Bell attack's settings and where its embeddings were written.</summary>
public sealed record ReportAttack(string Concept, string PairFile, int Pairs, double Eta, string EmbeddingsFile);

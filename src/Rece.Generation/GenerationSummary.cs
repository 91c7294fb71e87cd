namespace Rece.Generation;

public sealed record GenerationSummary(
    int Generated,
    int Skipped,
    int Rows,
    string OutputDirectory,
    string ManifestPath,
    string ModelHash,
    double Seconds
);

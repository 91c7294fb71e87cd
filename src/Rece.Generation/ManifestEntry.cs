namespace Rece.Generation;

/// <summary>One generated image as the manifest records it.</summary>
public sealed record ManifestEntry
{
    public required string File { get; init; }
    public required string CaseNumber { get; init; }
    public required string Prompt { get; init; }
    public required ulong Seed { get; init; }
    public required double Guidance { get; init; }
    public required int Width { get; init; }
    public required int Height { get; init; }
    public required int Steps { get; init; }
    public required string Scheduler { get; init; }
    public required string Precision { get; init; }
    public required string ModelHash { get; init; }
    public required int BatchSize { get; init; }

    /// <summary>The device that made the image ("cuda:0 (NVIDIA H200, 139.8 GiB)"); absent in manifests of earlier
    /// versions.</summary>
    public string? Device { get; init; }

    /// <summary>Seconds spent on this image: textEncoder, denoise, decode, total (a batch's time shared equally), and
    /// per U-Net call.</summary>
    public required IReadOnlyDictionary<string, double> Seconds { get; init; }
}

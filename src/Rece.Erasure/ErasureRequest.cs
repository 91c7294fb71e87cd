using Rece.Engine;

namespace Rece.Erasure;

/// <summary>What the user asked for; settings left null come from the preset.</summary>
public sealed record ErasureRequest
{
    public required string ModelDirectory { get; init; }

    public required IReadOnlyList<string> Concepts { get; init; }

    public required string OutputDirectory { get; init; }

    public string? Preset { get; init; }

    public ErasureMethod Method { get; init; } = ErasureMethod.Rece;

    public int? Epochs { get; init; }

    /// <summary>One guide for every concept, or one per concept; empty: the preset's guide.</summary>
    public IReadOnlyList<string> Guides { get; init; } = Array.Empty<string>();

    public IReadOnlyList<string> Preserve { get; init; } = Array.Empty<string>();

    public string? PreserveFile { get; init; }

    public string? PreserveColumn { get; init; }

    public double? UceLambda { get; init; }

    public double? UceEraseScale { get; init; }

    public double? UcePreserveScale { get; init; }

    public double? Lambda { get; init; }

    public double? EraseScale { get; init; }

    public double? PreserveScale { get; init; }

    public double? Regularizer { get; init; }

    /// <summary>Replace a non-empty output folder.</summary>
    public bool Force { get; init; }

    /// <summary>Write only the patch and the report, not the edited model.</summary>
    public bool PatchOnly { get; init; }

    /// <summary>Where the text encoder runs and G0 is formed; null: the CPU.</summary>
    public Rece.Models.Devices.ComputeDevice? Device { get; init; }
}

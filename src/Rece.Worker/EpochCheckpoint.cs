using Rece.Orchestration.Jobs;

namespace Rece.Worker;

/// <summary>The bytes of one epoch's checkpoint.</summary>
public sealed record EpochCheckpoint(byte[] Patch, byte[] State, IReadOnlyList<StageMeasure> Measures);

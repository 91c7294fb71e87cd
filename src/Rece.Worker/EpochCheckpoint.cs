using Rece.Engine;
using Rece.Erasure;
using Rece.Models.Safetensors;
using Rece.Orchestration.Jobs;
using Rece.Orchestration.Planning;
using Rece.Storage;
using static TorchSharp.torch;

namespace Rece.Worker;

/// <summary>The bytes of one epoch's checkpoint.</summary>
public sealed record EpochCheckpoint(byte[] Patch, byte[] State, IReadOnlyList<StageMeasure> Measures);

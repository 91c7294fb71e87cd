using System.Runtime.InteropServices;
using Rece.Engine;
using Rece.Models.Diffusers;
using Rece.Models.Safetensors;
using static TorchSharp.torch;

namespace Rece.Erasure;

/// <summary>A U-Net weights file written with edited K/V matrices.</summary>
public sealed record WrittenWeights(string File, string DType, string KvSha256);

using Rece.Models.Safetensors;
using static TorchSharp.torch;

namespace Rece.Evaluation.Tests;

/// <summary>Writes a stand-in for LPIPS' AlexNet weights (the real file is the user's): torchvision's feature layout
/// and lpips' head names with random values and small channel counts (the network reads its widths from the file);
/// the heads are non-negative, as the trained ones.</summary>
public static class TestLpipsWeights
{
    public static readonly int[] Channels = [4, 6, 8, 5, 5];

    private static readonly int[] Kernels = [11, 5, 3, 3, 3];

    public static void Write(string path, int seed = 0)
    {
        using var generator = new Generator((ulong)seed);
        var tensors = new List<TensorToWrite>();
        long input = 3;
        int[] layers = [0, 3, 6, 8, 10];
        for (int l = 0; l < 5; l++)
        {
            using var weight = randn(new long[] { Channels[l], input, Kernels[l], Kernels[l] }, generator: generator)
                .mul(0.3);
            using var bias = randn(new long[] { Channels[l] }, generator: generator).mul(0.1);
            using var head = rand(new long[] { 1, Channels[l], 1, 1 }, generator: generator);
            tensors.Add(TorchTensors.ToWrite($"features.{layers[l]}.weight", weight));
            tensors.Add(TorchTensors.ToWrite($"features.{layers[l]}.bias", bias));
            tensors.Add(TorchTensors.ToWrite($"lin{l}.model.1.weight", head));
            input = Channels[l];
        }
        SafetensorsWriter.Write(path, tensors);
    }
}

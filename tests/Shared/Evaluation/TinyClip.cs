using System.Text.Json.Nodes;
using Rece.Evaluation.Clip;
using Rece.Models.Configuration;
using Rece.Models.Safetensors;
using Rece.Models.TextEncoder;
using Rece.Models.Tokenization;
using static TorchSharp.torch;

namespace Rece.Evaluation.Tests;

/// <summary>Writes a CLIPModel folder in the Hugging Face layout with random weights and the real CLIP
/// tokenizer.</summary>
public static class TinyClip
{
    public static ClipModelConfig Config =>
        new(
            new ClipTextConfig
            {
                HiddenSize = 32,
                IntermediateSize = 64,
                NumAttentionHeads = 4,
                NumHiddenLayers = 2,
                ProjectionDim = 16,
            },
            new ClipVisionConfig
            {
                HiddenSize = 24,
                IntermediateSize = 48,
                NumAttentionHeads = 3,
                NumHiddenLayers = 2,
                PatchSize = 32,
                ImageSize = 224,
            },
            16
        );

    /// <param name="withBuffers">Also store the position_ids buffers older transformers versions saved.</param>
    public static void Write(string directory, ClipModelConfig config, int seed = 0, bool withBuffers = true)
    {
        Directory.CreateDirectory(directory);
        JsonConfig.Write(Path.Combine(directory, "config.json"), config.ToJson());
        ClipTokenizer.WriteEmbeddedVocabularyFiles(directory);
        JsonConfig.Write(
            Path.Combine(directory, "tokenizer_config.json"),
            new JsonObject { ["pad_token"] = "<|endoftext|>", ["model_max_length"] = 77 }
        );
        var generator = new Generator((ulong)seed);
        using var scope = NewDisposeScope();
        var tensors = new List<TensorToWrite>();
        foreach (var spec in config.Layout())
        {
            Tensor value;
            if (spec.Name.EndsWith("logit_scale", StringComparison.Ordinal))
                value = tensor((float)Math.Log(100));
            else if (
                spec.Name.Contains("norm", StringComparison.Ordinal)
                && spec.Name.EndsWith(".weight", StringComparison.Ordinal)
            )
                value = ones(spec.Shape).add_(randn(spec.Shape, generator: generator).mul_(0.1));
            else if (spec.Shape.Length == 1)
                value = randn(spec.Shape, generator: generator).mul_(0.1);
            else
                value = randn(spec.Shape, generator: generator)
                    .mul_(1.0 / Math.Sqrt(spec.Shape.Skip(1).Aggregate(1L, (a, b) => a * b)));
            tensors.Add(TorchTensors.ToWrite(spec.Name, value.to(ScalarType.Float32)));
        }
        if (withBuffers)
        {
            tensors.Add(TorchTensors.ToWrite(ClipTextConfig.PositionIdsBuffer, arange(77L).view(1, 77)));
            tensors.Add(
                TorchTensors.ToWrite(
                    "vision_model.embeddings.position_ids",
                    arange((long)config.Vision.Positions).view(1, -1)
                )
            );
        }
        SafetensorsWriter.Write(
            Path.Combine(directory, "model.safetensors"),
            tensors,
            new Dictionary<string, string> { ["format"] = "pt" }
        );
    }
}

using System.Text.Json.Nodes;
using Rece.Models;
using Rece.Models.Configuration;
using Rece.Models.TextEncoder;

namespace Rece.Evaluation.Clip;

/// <summary>A Hugging Face CLIPModel config.json: text tower, vision tower, and the shared projection size.</summary>
public sealed record ClipModelConfig(ClipTextConfig Text, ClipVisionConfig Vision, int ProjectionDim)
{
    public const string Architecture = "CLIPModel";

    /// <summary>Buffers older transformers versions saved with the weights; they are not parameters.</summary>
    public static readonly IReadOnlySet<string> IgnoredBuffers = new HashSet<string>
    {
        ClipTextConfig.PositionIdsBuffer,
        "vision_model.embeddings.position_ids",
    };

    /// <summary>openai/clip-vit-base-patch32.</summary>
    public static ClipModelConfig VitB32 =>
        new(
            new ClipTextConfig
            {
                HiddenSize = 512,
                IntermediateSize = 2048,
                NumAttentionHeads = 8,
                NumHiddenLayers = 12,
                ProjectionDim = 512,
            },
            new ClipVisionConfig
            {
                HiddenSize = 768,
                IntermediateSize = 3072,
                NumAttentionHeads = 12,
                NumHiddenLayers = 12,
                PatchSize = 32,
            },
            512
        );

    /// <summary>openai/clip-vit-large-patch14 (the CLIP score model of the RECE paper).</summary>
    public static ClipModelConfig VitL14 =>
        new(
            ClipTextConfig.ClipVitL14,
            new ClipVisionConfig
            {
                HiddenSize = 1024,
                IntermediateSize = 4096,
                NumAttentionHeads = 16,
                NumHiddenLayers = 24,
                PatchSize = 14,
            },
            768
        );

    /// <summary>Every tensor of the CLIPModel checkpoint: text_model.*, vision_model.*, the two projections and
    /// logit_scale.</summary>
    public IReadOnlyList<TensorSpec> Layout() =>
        Text.Layout()
            .Concat(Vision.Layout())
            .Append(new TensorSpec("visual_projection.weight", new[] { (long)ProjectionDim, Vision.HiddenSize }))
            .Append(new TensorSpec("text_projection.weight", new[] { (long)ProjectionDim, Text.HiddenSize }))
            .Append(new TensorSpec("logit_scale", Array.Empty<long>()))
            .ToList();

    public static ClipModelConfig Load(string path)
    {
        var json = JsonConfig.Load(path);
        var architectures = json.Strings("architectures", new[] { Architecture });
        if (!architectures.Contains(Architecture))
            throw new ModelFormatException(
                $"{path} describes {string.Join(", ", architectures)}, not a {Architecture}: the CLIP score needs a full CLIP model (e.g. openai/clip-vit-large-patch14)."
            );
        int projection = json.Int("projection_dim", 512);
        if (projection <= 0)
            throw new ModelFormatException($"{path}: projection_dim must be positive.");
        return new ClipModelConfig(
            ClipTextConfig.Read(json.Section("text_config")),
            ClipVisionConfig.Read(json.Section("vision_config")),
            projection
        );
    }

    public JsonObject ToJson()
    {
        var text = Text.ToJson();
        text.Remove("architectures");
        return new JsonObject
        {
            ["architectures"] = new JsonArray(Architecture),
            ["logit_scale_init_value"] = 2.6592,
            ["model_type"] = "clip",
            ["projection_dim"] = ProjectionDim,
            ["text_config"] = text,
            ["vision_config"] = Vision.ToJson(),
        };
    }
}

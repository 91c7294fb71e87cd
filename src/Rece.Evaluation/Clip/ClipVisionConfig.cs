using System.Text.Json.Nodes;
using Rece.Models;
using Rece.Models.Clip;
using Rece.Models.Configuration;

namespace Rece.Evaluation.Clip;

/// <summary>The fields of a Hugging Face CLIPVisionConfig that the vision tower needs (transformers' defaults when
/// absent).</summary>
public sealed record ClipVisionConfig
{
    public int HiddenSize { get; init; } = 768;
    public int IntermediateSize { get; init; } = 3072;
    public int NumAttentionHeads { get; init; } = 12;
    public int NumHiddenLayers { get; init; } = 12;
    public int NumChannels { get; init; } = 3;
    public int ImageSize { get; init; } = 224;
    public int PatchSize { get; init; } = 32;
    public string HiddenAct { get; init; } = "quick_gelu";
    public double LayerNormEps { get; init; } = 1e-5;

    public int HeadDim => HiddenSize / NumAttentionHeads;

    public int GridSize => ImageSize / PatchSize;

    /// <summary>Patches plus the class token.</summary>
    public int Positions => GridSize * GridSize + 1;

    /// <summary>A CLIPModel's "vision_config" (transformers' defaults for absent fields).</summary>
    public static ClipVisionConfig Read(JsonConfig json)
    {
        var defaults = new ClipVisionConfig();
        var config = new ClipVisionConfig
        {
            HiddenSize = json.Int("hidden_size", defaults.HiddenSize),
            IntermediateSize = json.Int("intermediate_size", defaults.IntermediateSize),
            NumAttentionHeads = json.Int("num_attention_heads", defaults.NumAttentionHeads),
            NumHiddenLayers = json.Int("num_hidden_layers", defaults.NumHiddenLayers),
            NumChannels = json.Int("num_channels", defaults.NumChannels),
            ImageSize = json.Int("image_size", defaults.ImageSize),
            PatchSize = json.Int("patch_size", defaults.PatchSize),
            HiddenAct = json.String("hidden_act", defaults.HiddenAct),
            LayerNormEps = json.Double("layer_norm_eps", defaults.LayerNormEps),
        };
        config.Validate(json.Path);
        return config;
    }

    public void Validate(string source)
    {
        if (HiddenAct is not ("quick_gelu" or "gelu"))
            throw new ModelFormatException(
                $"{source}: unsupported vision hidden_act \"{HiddenAct}\"; expected quick_gelu or gelu."
            );
        if (HiddenSize <= 0 || NumAttentionHeads <= 0 || HiddenSize % NumAttentionHeads != 0)
            throw new ModelFormatException(
                $"{source}: vision hidden_size {HiddenSize} must be a positive multiple of num_attention_heads {NumAttentionHeads}."
            );
        if (PatchSize <= 0 || ImageSize <= 0 || ImageSize % PatchSize != 0)
            throw new ModelFormatException(
                $"{source}: vision image_size {ImageSize} must be a positive multiple of patch_size {PatchSize}."
            );
        if (NumChannels != 3)
            throw new ModelFormatException(
                $"{source}: vision num_channels is {NumChannels}; CLIP score reads RGB images (3)."
            );
        if (NumHiddenLayers <= 0 || IntermediateSize <= 0)
            throw new ModelFormatException(
                $"{source}: vision num_hidden_layers and intermediate_size must be positive."
            );
    }

    /// <summary>Every tensor of a CLIPVisionTransformer with this config (transformers naming, prefix
    /// "vision_model.").</summary>
    public IReadOnlyList<TensorSpec> Layout()
    {
        long d = HiddenSize,
            ff = IntermediateSize;
        var specs = new List<TensorSpec>
        {
            new("vision_model.embeddings.class_embedding", new[] { d }),
            new("vision_model.embeddings.patch_embedding.weight", new[] { d, NumChannels, PatchSize, (long)PatchSize }),
            new("vision_model.embeddings.position_embedding.weight", new[] { Positions, d }),
            new("vision_model.pre_layrnorm.weight", new[] { d }),
            new("vision_model.pre_layrnorm.bias", new[] { d }),
        };
        specs.AddRange(ClipTransformer.LayerSpecs("vision_model.encoder.layers.", NumHiddenLayers, d, ff));
        specs.Add(new("vision_model.post_layernorm.weight", new[] { d }));
        specs.Add(new("vision_model.post_layernorm.bias", new[] { d }));
        return specs;
    }

    public JsonObject ToJson() =>
        new()
        {
            ["hidden_act"] = HiddenAct,
            ["hidden_size"] = HiddenSize,
            ["image_size"] = ImageSize,
            ["intermediate_size"] = IntermediateSize,
            ["layer_norm_eps"] = LayerNormEps,
            ["model_type"] = "clip_vision_model",
            ["num_attention_heads"] = NumAttentionHeads,
            ["num_channels"] = NumChannels,
            ["num_hidden_layers"] = NumHiddenLayers,
            ["patch_size"] = PatchSize,
        };
}

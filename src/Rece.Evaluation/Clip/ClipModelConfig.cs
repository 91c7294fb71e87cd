using System.Text.Json;
using System.Text.Json.Nodes;
using Rece.Models;
using Rece.Models.Clip;
using Rece.Models.Configuration;
using Rece.Models.TextEncoder;

namespace Rece.Evaluation.Clip;

/// <summary>The fields of a Hugging Face CLIPVisionConfig that the vision tower needs (transformers' defaults when absent).</summary>
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
            throw new ModelFormatException($"{source}: unsupported vision hidden_act \"{HiddenAct}\"; expected quick_gelu or gelu.");
        if (HiddenSize <= 0 || NumAttentionHeads <= 0 || HiddenSize % NumAttentionHeads != 0)
            throw new ModelFormatException($"{source}: vision hidden_size {HiddenSize} must be a positive multiple of num_attention_heads {NumAttentionHeads}.");
        if (PatchSize <= 0 || ImageSize <= 0 || ImageSize % PatchSize != 0)
            throw new ModelFormatException($"{source}: vision image_size {ImageSize} must be a positive multiple of patch_size {PatchSize}.");
        if (NumChannels != 3)
            throw new ModelFormatException($"{source}: vision num_channels is {NumChannels}; CLIP score reads RGB images (3).");
        if (NumHiddenLayers <= 0 || IntermediateSize <= 0)
            throw new ModelFormatException($"{source}: vision num_hidden_layers and intermediate_size must be positive.");
    }

    /// <summary>Every tensor of a CLIPVisionTransformer with this config (transformers naming, prefix "vision_model.").</summary>
    public IReadOnlyList<TensorSpec> Layout()
    {
        long d = HiddenSize, ff = IntermediateSize;
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

    public JsonObject ToJson() => new()
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
    public static ClipModelConfig VitB32 => new(
        new ClipTextConfig { HiddenSize = 512, IntermediateSize = 2048, NumAttentionHeads = 8, NumHiddenLayers = 12, ProjectionDim = 512 },
        new ClipVisionConfig { HiddenSize = 768, IntermediateSize = 3072, NumAttentionHeads = 12, NumHiddenLayers = 12, PatchSize = 32 },
        512);

    /// <summary>openai/clip-vit-large-patch14 (the CLIP score model of the RECE paper).</summary>
    public static ClipModelConfig VitL14 => new(
        ClipTextConfig.ClipVitL14,
        new ClipVisionConfig { HiddenSize = 1024, IntermediateSize = 4096, NumAttentionHeads = 16, NumHiddenLayers = 24, PatchSize = 14 },
        768);

    /// <summary>Every tensor of the CLIPModel checkpoint: text_model.*, vision_model.*, the two projections and logit_scale.</summary>
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
            throw new ModelFormatException($"{path} describes {string.Join(", ", architectures)}, not a {Architecture}: the CLIP score needs a full CLIP model (e.g. openai/clip-vit-large-patch14).");
        int projection = json.Int("projection_dim", 512);
        if (projection <= 0)
            throw new ModelFormatException($"{path}: projection_dim must be positive.");
        return new ClipModelConfig(ClipTextConfig.Read(json.Section("text_config")), ClipVisionConfig.Read(json.Section("vision_config")), projection);
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

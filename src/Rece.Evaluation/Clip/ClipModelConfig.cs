using System.Text.Json;
using System.Text.Json.Nodes;
using Rece.Models;
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
        for (int i = 0; i < NumHiddenLayers; i++)
        {
            string p = $"vision_model.encoder.layers.{i}.";
            foreach (var proj in new[] { "q_proj", "k_proj", "v_proj", "out_proj" })
            {
                specs.Add(new($"{p}self_attn.{proj}.weight", new[] { d, d }));
                specs.Add(new($"{p}self_attn.{proj}.bias", new[] { d }));
            }
            specs.Add(new($"{p}layer_norm1.weight", new[] { d }));
            specs.Add(new($"{p}layer_norm1.bias", new[] { d }));
            specs.Add(new($"{p}mlp.fc1.weight", new[] { ff, d }));
            specs.Add(new($"{p}mlp.fc1.bias", new[] { ff }));
            specs.Add(new($"{p}mlp.fc2.weight", new[] { d, ff }));
            specs.Add(new($"{p}mlp.fc2.bias", new[] { d }));
            specs.Add(new($"{p}layer_norm2.weight", new[] { d }));
            specs.Add(new($"{p}layer_norm2.bias", new[] { d }));
        }
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
        if (!File.Exists(path))
            throw new ModelFormatException($"Missing file {path}.");
        JsonObject root;
        try
        {
            root = JsonNode.Parse(File.ReadAllText(path)) as JsonObject ?? throw new ModelFormatException($"{path} must hold a JSON object.");
        }
        catch (JsonException e)
        {
            throw new ModelFormatException($"{path} is not valid JSON: {e.Message}");
        }
        var architectures = root["architectures"] is JsonArray list ? list.Select(a => a?.ToString()).ToList() : new List<string?>();
        if (architectures.Count > 0 && !architectures.Contains(Architecture))
            throw new ModelFormatException($"{path} describes {string.Join(", ", architectures)}, not a {Architecture}: the CLIP score needs a full CLIP model (e.g. openai/clip-vit-large-patch14).");
        var text = Section(root, "text_config", path);
        var vision = Section(root, "vision_config", path);
        var reader = new FieldReader(path);
        var textConfig = new ClipTextConfig
        {
            VocabSize = reader.Int(text, "text_config", "vocab_size", 49408),
            HiddenSize = reader.Int(text, "text_config", "hidden_size", 512),
            IntermediateSize = reader.Int(text, "text_config", "intermediate_size", 2048),
            NumAttentionHeads = reader.Int(text, "text_config", "num_attention_heads", 8),
            NumHiddenLayers = reader.Int(text, "text_config", "num_hidden_layers", 12),
            MaxPositionEmbeddings = reader.Int(text, "text_config", "max_position_embeddings", 77),
            HiddenAct = reader.String(text, "text_config", "hidden_act", "quick_gelu"),
            LayerNormEps = reader.Double(text, "text_config", "layer_norm_eps", 1e-5),
            ProjectionDim = reader.Int(text, "text_config", "projection_dim", 512),
        };
        textConfig.Validate(path + " (text_config)");
        var visionConfig = new ClipVisionConfig
        {
            HiddenSize = reader.Int(vision, "vision_config", "hidden_size", 768),
            IntermediateSize = reader.Int(vision, "vision_config", "intermediate_size", 3072),
            NumAttentionHeads = reader.Int(vision, "vision_config", "num_attention_heads", 12),
            NumHiddenLayers = reader.Int(vision, "vision_config", "num_hidden_layers", 12),
            NumChannels = reader.Int(vision, "vision_config", "num_channels", 3),
            ImageSize = reader.Int(vision, "vision_config", "image_size", 224),
            PatchSize = reader.Int(vision, "vision_config", "patch_size", 32),
            HiddenAct = reader.String(vision, "vision_config", "hidden_act", "quick_gelu"),
            LayerNormEps = reader.Double(vision, "vision_config", "layer_norm_eps", 1e-5),
        };
        visionConfig.Validate(path + " (vision_config)");
        int projection = reader.Int(root, "", "projection_dim", 512);
        if (projection <= 0)
            throw new ModelFormatException($"{path}: projection_dim must be positive.");
        return new ClipModelConfig(textConfig, visionConfig, projection);
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

    private static JsonObject Section(JsonObject root, string name, string path) => root[name] switch
    {
        JsonObject section => section,
        null => new JsonObject(),
        _ => throw new ModelFormatException($"{path}: \"{name}\" must be an object."),
    };

    private sealed class FieldReader(string path)
    {
        public int Int(JsonObject obj, string section, string field, int fallback) => Read(obj, section, field, fallback, n => n.GetValue<int>(), "an integer");

        public double Double(JsonObject obj, string section, string field, double fallback) => Read(obj, section, field, fallback, n => n.GetValue<double>(), "a number");

        public string String(JsonObject obj, string section, string field, string fallback) => Read(obj, section, field, fallback, n => n.GetValue<string>(), "a string");

        private T Read<T>(JsonObject obj, string section, string field, T fallback, Func<JsonNode, T> convert, string expected)
        {
            if (!obj.TryGetPropertyValue(field, out var node) || node is null)
                return fallback;
            try
            {
                return convert(node);
            }
            catch (Exception e) when (e is InvalidOperationException or FormatException)
            {
                string where = section.Length > 0 ? $"{section}.{field}" : field;
                throw new ModelFormatException($"{path}: \"{where}\" must be {expected}, got {node.ToJsonString()}.");
            }
        }
    }
}

using System.Text.Json.Nodes;
using Rece.Models.Clip;
using Rece.Models.Configuration;

namespace Rece.Models.TextEncoder;

/// <summary>The fields of a Hugging Face CLIPTextConfig (text_encoder/config.json) that the forward pass
/// needs.</summary>
public sealed record ClipTextConfig
{
    public const string Architecture = "CLIPTextModel";

    public int VocabSize { get; init; } = 49408;
    public int HiddenSize { get; init; } = 512;
    public int IntermediateSize { get; init; } = 2048;
    public int NumAttentionHeads { get; init; } = 8;
    public int NumHiddenLayers { get; init; } = 12;
    public int MaxPositionEmbeddings { get; init; } = 77;
    public string HiddenAct { get; init; } = "quick_gelu";
    public double LayerNormEps { get; init; } = 1e-5;
    public int ProjectionDim { get; init; } = 512;

    /// <summary>SD v1.x: CLIP ViT-L/14.</summary>
    public static ClipTextConfig ClipVitL14 =>
        new()
        {
            HiddenSize = 768,
            IntermediateSize = 3072,
            NumAttentionHeads = 12,
            NumHiddenLayers = 12,
            ProjectionDim = 768,
        };

    /// <summary>SD v2.x: OpenCLIP ViT-H/14 text tower as diffusers ships it (23 layers, gelu).</summary>
    public static ClipTextConfig OpenClipVitH14 =>
        new()
        {
            HiddenSize = 1024,
            IntermediateSize = 4096,
            NumAttentionHeads = 16,
            NumHiddenLayers = 23,
            ProjectionDim = 512,
            HiddenAct = "gelu",
        };

    public int HeadDim => HiddenSize / NumAttentionHeads;

    public static ClipTextConfig Load(string path) => Read(JsonConfig.Load(path));

    /// <summary>A CLIPTextConfig: a text_encoder/config.json, or a CLIPModel's "text_config" (transformers' defaults
    /// for absent sizes).</summary>
    public static ClipTextConfig Read(JsonConfig json)
    {
        var architectures = json.Strings("architectures", new[] { Architecture });
        if (!architectures.Contains(Architecture))
            throw new ModelFormatException(
                $"{json.Path}: unknown text encoder architecture {string.Join(", ", architectures)}; this tool supports {Architecture} (Stable Diffusion v1.x and v2.x)."
            );
        var defaults = new ClipTextConfig();
        var config = new ClipTextConfig
        {
            VocabSize = json.Int("vocab_size", defaults.VocabSize),
            HiddenSize = json.Int("hidden_size", defaults.HiddenSize),
            IntermediateSize = json.Int("intermediate_size", defaults.IntermediateSize),
            NumAttentionHeads = json.Int("num_attention_heads", defaults.NumAttentionHeads),
            NumHiddenLayers = json.Int("num_hidden_layers", defaults.NumHiddenLayers),
            MaxPositionEmbeddings = json.Int("max_position_embeddings", defaults.MaxPositionEmbeddings),
            HiddenAct = json.String("hidden_act", defaults.HiddenAct),
            LayerNormEps = json.Double("layer_norm_eps", defaults.LayerNormEps),
            ProjectionDim = json.Int("projection_dim", defaults.ProjectionDim),
        };
        config.Validate(json.Path);
        return config;
    }

    public void Validate(string source)
    {
        if (HiddenAct is not ("quick_gelu" or "gelu"))
            throw new ModelFormatException(
                $"{source}: unsupported hidden_act \"{HiddenAct}\"; expected quick_gelu (SD v1.x) or gelu (SD v2.x)."
            );
        if (HiddenSize <= 0 || NumAttentionHeads <= 0 || HiddenSize % NumAttentionHeads != 0)
            throw new ModelFormatException(
                $"{source}: hidden_size {HiddenSize} must be a positive multiple of num_attention_heads {NumAttentionHeads}."
            );
        if (MaxPositionEmbeddings < 77)
            throw new ModelFormatException(
                $"{source}: max_position_embeddings {MaxPositionEmbeddings} is below Stable Diffusion's 77-token context."
            );
        if (NumHiddenLayers <= 0 || IntermediateSize <= 0 || VocabSize <= 0)
            throw new ModelFormatException(
                $"{source}: num_hidden_layers, intermediate_size and vocab_size must be positive."
            );
    }

    /// <summary>The config.json a transformers CLIPTextModel would write.</summary>
    public JsonObject ToJson() =>
        new()
        {
            ["architectures"] = new JsonArray(Architecture),
            ["attention_dropout"] = 0.0,
            ["bos_token_id"] = 0,
            ["dropout"] = 0.0,
            ["eos_token_id"] = 2,
            ["hidden_act"] = HiddenAct,
            ["hidden_size"] = HiddenSize,
            ["initializer_factor"] = 1.0,
            ["initializer_range"] = 0.02,
            ["intermediate_size"] = IntermediateSize,
            ["layer_norm_eps"] = LayerNormEps,
            ["max_position_embeddings"] = MaxPositionEmbeddings,
            ["model_type"] = "clip_text_model",
            ["num_attention_heads"] = NumAttentionHeads,
            ["num_hidden_layers"] = NumHiddenLayers,
            ["pad_token_id"] = 1,
            ["projection_dim"] = ProjectionDim,
            ["torch_dtype"] = "float32",
            ["vocab_size"] = VocabSize,
        };

    /// <summary>Every tensor of a CLIPTextModel checkpoint with this config (transformers naming).</summary>
    public IReadOnlyList<TensorSpec> Layout()
    {
        long d = HiddenSize,
            ff = IntermediateSize;
        var specs = new List<TensorSpec>
        {
            new("text_model.embeddings.token_embedding.weight", new[] { (long)VocabSize, d }),
            new("text_model.embeddings.position_embedding.weight", new[] { (long)MaxPositionEmbeddings, d }),
        };
        specs.AddRange(ClipTransformer.LayerSpecs("text_model.encoder.layers.", NumHiddenLayers, d, ff));
        specs.Add(new("text_model.final_layer_norm.weight", new[] { d }));
        specs.Add(new("text_model.final_layer_norm.bias", new[] { d }));
        return specs;
    }

    /// <summary>A buffer older transformers versions saved with the weights; present or not, it is not a
    /// parameter.</summary>
    public const string PositionIdsBuffer = "text_model.embeddings.position_ids";
}

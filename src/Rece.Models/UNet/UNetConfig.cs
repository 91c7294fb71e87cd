using System.Text.Json.Nodes;
using Rece.Models.Configuration;

namespace Rece.Models.UNet;

/// <summary>The fields of a diffusers UNet2DConditionModel config (unet/config.json) that fix its tensors.</summary>
public sealed record UNetConfig
{
    private static readonly int[] DefaultBlockOutChannels = { 320, 640, 1280, 1280 };

    public const string ClassName = "UNet2DConditionModel";
    public const string CrossAttnDown = "CrossAttnDownBlock2D";
    public const string Down = "DownBlock2D";
    public const string CrossAttnUp = "CrossAttnUpBlock2D";
    public const string Up = "UpBlock2D";
    public const string CrossAttnMid = "UNetMidBlock2DCrossAttn";

    public int InChannels { get; init; } = 4;
    public int OutChannels { get; init; } = 4;
    public int[] BlockOutChannels { get; init; } = { 320, 640, 1280, 1280 };
    public int LayersPerBlock { get; init; } = 2;
    public string[] DownBlockTypes { get; init; } = { CrossAttnDown, CrossAttnDown, CrossAttnDown, Down };
    public string[] UpBlockTypes { get; init; } = { Up, CrossAttnUp, CrossAttnUp, CrossAttnUp };
    public int CrossAttentionDim { get; init; } = 768;

    /// <summary>Per down block; SD v1.x writes one number (8), SD v2.x a list ([5, 10, 20, 20]).</summary>
    public int[] AttentionHeadDim { get; init; } = { 8, 8, 8, 8 };

    public bool UseLinearProjection { get; init; }
    public int NormNumGroups { get; init; } = 32;
    public double NormEps { get; init; } = 1e-5;
    public int SampleSize { get; init; } = 64;

    /// <summary>Order of the sinusoidal timestep features: cos first when true (SD), as diffusers'
    /// get_timestep_embedding.</summary>
    public bool FlipSinToCos { get; init; } = true;

    /// <summary>downscale_freq_shift of the timestep features (0 for SD).</summary>
    public double FreqShift { get; init; }

    public int DownsamplePadding { get; init; } = 1;

    public double MidBlockScaleFactor { get; init; } = 1;

    public bool CenterInputSample { get; init; }

    /// <summary>SD 2.1 sets it so fp16 attention scores are computed in fp32; the fused attention kernel used here
    /// keeps its softmax in fp32 anyway.</summary>
    public bool UpcastAttention { get; init; }

    /// <summary>The SD v1.x U-Net (CompVis/stable-diffusion-v1-4).</summary>
    public static UNetConfig StableDiffusionV1 => new();

    public int TimeEmbedDim => BlockOutChannels[0] * 4;

    public static UNetConfig Load(string path)
    {
        var json = JsonConfig.Load(path);
        string className = json.String("_class_name", ClassName);
        if (className != ClassName)
            throw new ModelFormatException(
                $"{path}: unknown U-Net architecture {className}; this tool supports {ClassName} (Stable Diffusion v1.x and v2.x)."
            );
        var blocks = json.Ints("block_out_channels", DefaultBlockOutChannels);
        var config = new UNetConfig
        {
            InChannels = json.Int("in_channels", 4),
            OutChannels = json.Int("out_channels", 4),
            BlockOutChannels = blocks,
            LayersPerBlock = json.Int("layers_per_block", 2),
            DownBlockTypes = json.Strings(
                "down_block_types",
                new[] { CrossAttnDown, CrossAttnDown, CrossAttnDown, Down }
            ),
            UpBlockTypes = json.Strings("up_block_types", new[] { Up, CrossAttnUp, CrossAttnUp, CrossAttnUp }),
            CrossAttentionDim = json.Int("cross_attention_dim", 1280),
            AttentionHeadDim = json.IntOrInts("attention_head_dim", blocks.Length, 8),
            UseLinearProjection = json.Bool("use_linear_projection", false),
            NormNumGroups = json.Int("norm_num_groups", 32),
            NormEps = json.Double("norm_eps", 1e-5),
            SampleSize = json.Int("sample_size", 64),
            FlipSinToCos = json.Bool("flip_sin_to_cos", true),
            FreqShift = json.Double("freq_shift", 0),
            DownsamplePadding = json.Int("downsample_padding", 1),
            MidBlockScaleFactor = json.Double("mid_block_scale_factor", 1),
            CenterInputSample = json.Bool("center_input_sample", false),
            UpcastAttention = json.Bool("upcast_attention", false),
        };
        // Settings that change the forward pass of other U-Nets; SD v1.x/v2.x write these values or leave them out.
        foreach (
            var (field, expected) in new[]
            {
                ("act_fn", "silu"),
                ("resnet_time_scale_shift", "default"),
                ("time_embedding_type", "positional"),
                ("attention_type", "default"),
            }
        )
        {
            if (json.Has(field) && json.String(field) != expected)
                throw new ModelFormatException(
                    $"{path}: {field} \"{json.String(field)}\" is not supported; Stable Diffusion v1.x/v2.x use \"{expected}\"."
                );
        }
        foreach (var field in new[] { "dual_cross_attention", "class_embeddings_concat", "resnet_skip_time_act" })
        {
            if (json.Has(field) && json.Bool(field))
                throw new ModelFormatException(
                    $"{path}: {field} is true, which Stable Diffusion v1.x/v2.x U-Nets do not use; not supported."
                );
        }
        // A bool or one bool per block.
        if (
            json.Root["only_cross_attention"] is { } onlyCross
            && onlyCross.ToJsonString().Contains("true", StringComparison.Ordinal)
        )
            throw new ModelFormatException(
                $"{path}: only_cross_attention is set, which Stable Diffusion v1.x/v2.x U-Nets do not use; not supported."
            );
        foreach (
            var field in new[]
            {
                "num_attention_heads",
                "time_embedding_act_fn",
                "timestep_post_act",
                "cross_attention_norm",
                "projection_class_embeddings_input_dim",
            }
        )
        {
            if (json.Has(field))
                throw new ModelFormatException(
                    $"{path}: \"{field}\" is set, which Stable Diffusion v1.x/v2.x U-Nets do not use; not supported."
                );
        }
        foreach (var field in new[] { "conv_in_kernel", "conv_out_kernel" })
        {
            if (json.Has(field) && json.Int(field) != 3)
                throw new ModelFormatException(
                    $"{path}: {field} {json.Int(field)} is not supported; Stable Diffusion uses 3."
                );
        }
        if (json.Has("resnet_out_scale_factor") && json.Double("resnet_out_scale_factor") != 1)
            throw new ModelFormatException($"{path}: resnet_out_scale_factor other than 1 is not supported.");
        // Features of other U-Nets (SDXL, class-conditioned, multi-layer transformers) change the tensor set.
        foreach (
            var field in new[] { "class_embed_type", "addition_embed_type", "encoder_hid_dim", "time_cond_proj_dim" }
        )
        {
            if (json.Has(field))
                throw new ModelFormatException(
                    $"{path}: \"{field}\" is set, which Stable Diffusion v1.x/v2.x U-Nets do not use (SDXL or another architecture?); not supported."
                );
        }
        if (
            json.Has("transformer_layers_per_block")
            && json.IntOrInts("transformer_layers_per_block", blocks.Length, 1).Any(n => n != 1)
        )
            throw new ModelFormatException(
                $"{path}: transformer_layers_per_block other than 1 (SDXL) is not supported."
            );
        if (json.String("mid_block_type", CrossAttnMid) != CrossAttnMid)
            throw new ModelFormatException(
                $"{path}: mid_block_type \"{json.String("mid_block_type")}\" is not supported; expected {CrossAttnMid}."
            );
        config.Validate(path);
        return config;
    }

    public void Validate(string source)
    {
        int n = BlockOutChannels.Length;
        if (n == 0 || DownBlockTypes.Length != n || UpBlockTypes.Length != n)
            throw new ModelFormatException(
                $"{source}: block_out_channels, down_block_types and up_block_types must have the same, non-zero length."
            );
        if (DownBlockTypes.FirstOrDefault(t => t is not (CrossAttnDown or Down)) is { } badDown)
            throw new ModelFormatException(
                $"{source}: unknown down block type \"{badDown}\"; supported: {CrossAttnDown}, {Down}."
            );
        if (UpBlockTypes.FirstOrDefault(t => t is not (CrossAttnUp or Up)) is { } badUp)
            throw new ModelFormatException(
                $"{source}: unknown up block type \"{badUp}\"; supported: {CrossAttnUp}, {Up}."
            );
        if (BlockOutChannels.Any(c => c <= 0) || LayersPerBlock <= 0 || CrossAttentionDim <= 0)
            throw new ModelFormatException(
                $"{source}: block_out_channels, layers_per_block and cross_attention_dim must be positive."
            );
        if (AttentionHeadDim.Length != n || AttentionHeadDim.Any(h => h <= 0))
            throw new ModelFormatException($"{source}: attention_head_dim needs one positive entry per block ({n}).");
        if (NormNumGroups <= 0 || BlockOutChannels.Any(c => c % NormNumGroups != 0))
            throw new ModelFormatException(
                $"{source}: every block_out_channels entry must be a multiple of norm_num_groups ({NormNumGroups})."
            );
        for (int i = 0; i < n; i++)
        {
            if (BlockOutChannels[i] % AttentionHeadDim[i] != 0)
                throw new ModelFormatException(
                    $"{source}: block {i} has {BlockOutChannels[i]} channels, not divisible into {AttentionHeadDim[i]} attention heads (attention_head_dim counts heads in diffusers' SD U-Net)."
                );
        }
    }

    /// <summary>The config.json diffusers would write for this U-Net.</summary>
    public JsonObject ToJson() =>
        new()
        {
            ["_class_name"] = ClassName,
            ["_diffusers_version"] = "0.30.0",
            ["act_fn"] = "silu",
            ["attention_head_dim"] =
                AttentionHeadDim.Distinct().Count() == 1
                    ? JsonValue.Create(AttentionHeadDim[0])
                    : new JsonArray(AttentionHeadDim.Select(h => (JsonNode)h).ToArray()),
            ["block_out_channels"] = new JsonArray(BlockOutChannels.Select(c => (JsonNode)c).ToArray()),
            ["center_input_sample"] = CenterInputSample,
            ["cross_attention_dim"] = CrossAttentionDim,
            ["down_block_types"] = new JsonArray(DownBlockTypes.Select(t => (JsonNode)t).ToArray()),
            ["downsample_padding"] = DownsamplePadding,
            ["flip_sin_to_cos"] = FlipSinToCos,
            ["freq_shift"] = FreqShift,
            ["in_channels"] = InChannels,
            ["layers_per_block"] = LayersPerBlock,
            ["mid_block_scale_factor"] = MidBlockScaleFactor,
            ["norm_eps"] = NormEps,
            ["norm_num_groups"] = NormNumGroups,
            ["out_channels"] = OutChannels,
            ["sample_size"] = SampleSize,
            ["up_block_types"] = new JsonArray(UpBlockTypes.Select(t => (JsonNode)t).ToArray()),
            ["upcast_attention"] = UpcastAttention,
            ["use_linear_projection"] = UseLinearProjection,
        };
}

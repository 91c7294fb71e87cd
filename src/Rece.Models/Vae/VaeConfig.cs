using System.Text.Json.Nodes;
using Rece.Models.Configuration;

namespace Rece.Models.Vae;

/// <summary>The fields of a diffusers AutoencoderKL config (vae/config.json) that fix its tensors and its latent
/// scaling.</summary>
public sealed record VaeConfig
{
    private static readonly int[] DefaultBlockOutChannels = { 64 };

    public const string ClassName = "AutoencoderKL";
    public const string DownBlock = "DownEncoderBlock2D";
    public const string UpBlock = "UpDecoderBlock2D";

    public int InChannels { get; init; } = 3;
    public int OutChannels { get; init; } = 3;
    public int LatentChannels { get; init; } = 4;
    public int[] BlockOutChannels { get; init; } = { 128, 256, 512, 512 };
    public int LayersPerBlock { get; init; } = 2;
    public int NormNumGroups { get; init; } = 32;
    public int SampleSize { get; init; } = 512;

    /// <summary>Latents are divided by it before decoding (and multiplied after encoding): 0.18215 for SD v1.x and
    /// v2.x.</summary>
    public double ScalingFactor { get; init; } = 0.18215;

    /// <summary>Added after the division by the scaling factor (later autoencoders); null for SD.</summary>
    public double? ShiftFactor { get; init; }

    public bool UseQuantConv { get; init; } = true;
    public bool UsePostQuantConv { get; init; } = true;
    public bool MidBlockAddAttention { get; init; } = true;

    /// <summary>The VAE of SD v1.x and v2.x (83.65M parameters).</summary>
    public static VaeConfig StableDiffusion => new();

    /// <summary>How many pixels one latent position spans per side: 2^(blocks - 1), 8 for SD.</summary>
    public int ScaleFactor => 1 << (BlockOutChannels.Length - 1);

    public static VaeConfig Load(string path)
    {
        var json = JsonConfig.Load(path);
        string className = json.String("_class_name", ClassName);
        if (className != ClassName)
            throw new ModelFormatException(
                $"{path}: unknown VAE architecture {className}; this tool supports {ClassName} (Stable Diffusion v1.x and v2.x)."
            );
        var blocks = json.Ints("block_out_channels", DefaultBlockOutChannels);
        var config = new VaeConfig
        {
            InChannels = json.Int("in_channels", 3),
            OutChannels = json.Int("out_channels", 3),
            LatentChannels = json.Int("latent_channels", 4),
            BlockOutChannels = blocks,
            LayersPerBlock = json.Int("layers_per_block", 1),
            NormNumGroups = json.Int("norm_num_groups", 32),
            SampleSize = json.Int("sample_size", 32),
            ScalingFactor = json.Double("scaling_factor", 0.18215),
            ShiftFactor = json.Has("shift_factor") ? json.Double("shift_factor") : null,
            UseQuantConv = json.Bool("use_quant_conv", true),
            UsePostQuantConv = json.Bool("use_post_quant_conv", true),
            MidBlockAddAttention = json.Bool("mid_block_add_attention", true),
        };
        var down = json.Strings("down_block_types", Enumerable.Repeat(DownBlock, blocks.Length).ToArray());
        var up = json.Strings("up_block_types", Enumerable.Repeat(UpBlock, blocks.Length).ToArray());
        if (down.Length != blocks.Length || up.Length != blocks.Length)
            throw new ModelFormatException(
                $"{path}: down_block_types and up_block_types need one entry per block_out_channels entry ({blocks.Length})."
            );
        if (down.FirstOrDefault(t => t != DownBlock) is { } badDown)
            throw new ModelFormatException(
                $"{path}: down block type \"{badDown}\" is not supported; expected {DownBlock}."
            );
        if (up.FirstOrDefault(t => t != UpBlock) is { } badUp)
            throw new ModelFormatException($"{path}: up block type \"{badUp}\" is not supported; expected {UpBlock}.");
        if (json.Has("act_fn") && json.String("act_fn") != "silu")
            throw new ModelFormatException(
                $"{path}: act_fn \"{json.String("act_fn")}\" is not supported; Stable Diffusion's VAE uses \"silu\"."
            );
        config.Validate(path);
        return config;
    }

    public void Validate(string source)
    {
        if (
            BlockOutChannels.Length == 0
            || BlockOutChannels.Any(c => c <= 0)
            || LayersPerBlock <= 0
            || LatentChannels <= 0
            || InChannels <= 0
            || OutChannels <= 0
        )
            throw new ModelFormatException(
                $"{source}: block_out_channels, layers_per_block and the channel counts must be positive."
            );
        if (NormNumGroups <= 0 || BlockOutChannels.Any(c => c % NormNumGroups != 0))
            throw new ModelFormatException(
                $"{source}: every block_out_channels entry must be a multiple of norm_num_groups ({NormNumGroups})."
            );
        if (!(ScalingFactor > 0) || double.IsInfinity(ScalingFactor))
            throw new ModelFormatException($"{source}: scaling_factor must be a positive number.");
    }

    /// <summary>The config.json diffusers would write for this VAE.</summary>
    public JsonObject ToJson() =>
        new()
        {
            ["_class_name"] = ClassName,
            ["_diffusers_version"] = "0.30.0",
            ["act_fn"] = "silu",
            ["block_out_channels"] = new JsonArray(BlockOutChannels.Select(c => (JsonNode)c).ToArray()),
            ["down_block_types"] = new JsonArray(BlockOutChannels.Select(_ => (JsonNode)DownBlock).ToArray()),
            ["in_channels"] = InChannels,
            ["latent_channels"] = LatentChannels,
            ["layers_per_block"] = LayersPerBlock,
            ["norm_num_groups"] = NormNumGroups,
            ["out_channels"] = OutChannels,
            ["sample_size"] = SampleSize,
            ["scaling_factor"] = ScalingFactor,
            ["up_block_types"] = new JsonArray(BlockOutChannels.Select(_ => (JsonNode)UpBlock).ToArray()),
        };
}

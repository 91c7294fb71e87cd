using Rece.Models.Devices;
using Rece.Models.Layers;
using Rece.Models.Loading;
using static TorchSharp.torch;

namespace Rece.Models.Vae;

/// <summary>
/// diffusers' AutoencoderKL as Stable Diffusion uses it: the encoder (ResNet blocks, strided downsampling, a mid block
/// with single-head self-attention, conv_out to mean and log-variance, quant_conv) and the decoder (post_quant_conv,
/// conv_in, mid block, up blocks with nearest upsampling, conv_out). Weights are held by their checkpoint names
/// (<see cref="VaeLayout"/>) in the compute dtype, so loading is a strict name and shape match.
/// </summary>
public sealed class AutoencoderKL : IDisposable
{
    private const double Eps = 1e-6;
    private readonly Dictionary<string, Tensor> _weights;
    private readonly Functional _f;

    private AutoencoderKL(VaeConfig config, Dictionary<string, Tensor> weights, ScalarType dtype)
    {
        Config = config;
        _weights = weights;
        DType = dtype;
        Device = weights.Values.First().device;
        _f = new Functional(weights, () => OperatorTrace);
    }

    public VaeConfig Config { get; }

    /// <summary>Where the weights live and the passes run: their inputs must be there.</summary>
    public Device Device { get; }

    public ScalarType DType { get; }

    /// <summary>Receives every convolution, linear layer and attention call (the benchmark's operator census); null
    /// normally.</summary>
    public Action<OperatorCall>? OperatorTrace { get; set; }

    public long ParameterCount => _weights.Values.Sum(w => w.numel());

    /// <summary>Loads vae/config.json and its safetensors weights strictly (older attention names accepted), converting
    /// them to <paramref name="dtype"/>.</summary>
    public static AutoencoderKL Load(
        string configPath,
        string weightsPath,
        ScalarType dtype = ScalarType.Float32,
        Device? device = null
    )
    {
        var config = VaeConfig.Load(configPath);
        var weights = StrictWeights.Load(
            weightsPath,
            VaeLayout.Tensors(config),
            VaeConfig.ClassName,
            configPath,
            dtype,
            VaeLayout.CanonicalName,
            device: device
        );
        return new AutoencoderKL(config, weights, dtype);
    }

    /// <summary>A model over given tensors (taken over: disposed with the model), checked against the layout of
    /// <paramref name="config"/>.</summary>
    public static AutoencoderKL FromWeights(VaeConfig config, IReadOnlyDictionary<string, Tensor> weights)
    {
        config.Validate("VAE config");
        StrictWeights.Check(weights, VaeLayout.Tensors(config), VaeConfig.ClassName);
        var dtype = weights.Values.First().dtype;
        if (weights.Values.Any(w => w.dtype != dtype))
            throw new ArgumentException("All VAE weights must share one dtype.", nameof(weights));
        return new AutoencoderKL(
            config,
            weights.ToDictionary(kv => kv.Key, kv => kv.Value.DetachFromDisposeScope()),
            dtype
        );
    }

    /// <summary>Images in [-1, 1], [B, in_channels, H, W] (H, W multiples of <see cref="VaeConfig.ScaleFactor"/>) to
    /// the latent distribution.</summary>
    /// <returns>Mean and log-variance (clamped to [-30, 20]) of the unscaled latents, [B, latent_channels, H/f, W/f]
    /// each.</returns>
    public (Tensor Mean, Tensor LogVariance) Encode(Tensor images)
    {
        var c = Config;
        if (images.dim() != 4 || images.shape[1] != c.InChannels)
            throw new ArgumentException(
                $"The VAE encoder takes [B, {c.InChannels}, H, W] images, got {TensorShape.Format(images.shape)}.",
                nameof(images)
            );
        HostTensors.RequireOn(images, Device, "The VAE", "the image batch");
        using var scope = NewDisposeScope();
        int blocks = c.BlockOutChannels.Length;
        var h = _f.Conv(images, "encoder.conv_in", padding: 1);
        for (int i = 0; i < blocks; i++)
        {
            for (int j = 0; j < c.LayersPerBlock; j++)
                h = _f.ResNet(h, null, $"encoder.down_blocks.{i}.resnets.{j}", c.NormNumGroups, Eps);
            if (i != blocks - 1)
                h = _f.Downsample(h, $"encoder.down_blocks.{i}.downsamplers.0", padding: 0);
        }
        h = MidBlock(h, "encoder.mid_block");
        h = _f.Conv(_f.GroupNormSilu(h, "encoder.conv_norm_out", c.NormNumGroups, Eps), "encoder.conv_out", padding: 1);
        if (c.UseQuantConv)
            h = _f.Conv(h, "quant_conv");
        var parts = h.chunk(2, 1);
        var mean = parts[0].contiguous();
        var logVariance = parts[1].clamp(-30, 20);
        return (mean.MoveToOuterDisposeScope(), logVariance.MoveToOuterDisposeScope());
    }

    /// <summary>Latents as the denoiser produces them (scaled) to images in [-1, 1].</summary>
    /// <param name="latents">[B, latent_channels, h, w]; divided by scaling_factor (then shifted) before
    /// decoding.</param>
    /// <returns>[B, out_channels, h f, w f] in <see cref="DType"/>.</returns>
    public Tensor Decode(Tensor latents)
    {
        var c = Config;
        if (latents.dim() != 4 || latents.shape[1] != c.LatentChannels)
            throw new ArgumentException(
                $"The VAE decoder takes [B, {c.LatentChannels}, h, w] latents, got {TensorShape.Format(latents.shape)}.",
                nameof(latents)
            );
        HostTensors.RequireOn(latents, Device, "The VAE", "the latents");
        using var scope = NewDisposeScope();
        var z = latents.to(DType).div(c.ScalingFactor);
        if (c.ShiftFactor is { } shift)
            z.add_(shift);
        if (c.UsePostQuantConv)
            z = _f.Conv(z, "post_quant_conv");
        var h = _f.Conv(z, "decoder.conv_in", padding: 1);
        h = MidBlock(h, "decoder.mid_block");
        int blocks = c.BlockOutChannels.Length;
        for (int i = 0; i < blocks; i++)
        {
            for (int j = 0; j <= c.LayersPerBlock; j++)
                h = _f.ResNet(h, null, $"decoder.up_blocks.{i}.resnets.{j}", c.NormNumGroups, Eps);
            if (i != blocks - 1)
                h = _f.Upsample(h, $"decoder.up_blocks.{i}.upsamplers.0", new[] { h.shape[2] * 2, h.shape[3] * 2 });
        }
        h = _f.Conv(_f.GroupNormSilu(h, "decoder.conv_norm_out", c.NormNumGroups, Eps), "decoder.conv_out", padding: 1);
        return h.MoveToOuterDisposeScope();
    }

    /// <summary>UNetMidBlock2D without time input: ResNet, single-head self-attention over all positions,
    /// ResNet.</summary>
    private Tensor MidBlock(Tensor h, string prefix)
    {
        h = _f.ResNet(h, null, prefix + ".resnets.0", Config.NormNumGroups, Eps);
        if (Config.MidBlockAddAttention)
            h = SpatialAttention(h, prefix + ".attentions.0");
        return _f.ResNet(h, null, prefix + ".resnets.1", Config.NormNumGroups, Eps);
    }

    /// <summary>diffusers' Attention with group_norm, one head of the full channel width, biased projections and a
    /// residual connection.</summary>
    private Tensor SpatialAttention(Tensor x, string prefix)
    {
        using var scope = NewDisposeScope();
        long batch = x.shape[0],
            channels = x.shape[1],
            height = x.shape[2],
            width = x.shape[3];
        var tokens = _f.GroupNorm(x, prefix + ".group_norm", Config.NormNumGroups, Eps)
            .view(batch, channels, height * width)
            .transpose(1, 2);
        var attended = _f.MultiHeadAttention(tokens, tokens, prefix, heads: 1, projectionBias: true);
        var result = attended.transpose(1, 2).contiguous().view(batch, channels, height, width).add_(x);
        return result.MoveToOuterDisposeScope();
    }

    public void Dispose()
    {
        foreach (var w in _weights.Values)
            w.Dispose();
    }
}

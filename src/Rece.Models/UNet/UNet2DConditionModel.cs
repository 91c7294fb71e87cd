using Rece.Models.Devices;
using Rece.Models.Layers;
using Rece.Models.Loading;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace Rece.Models.UNet;

/// <summary>
/// diffusers' UNet2DConditionModel for Stable Diffusion v1.x/v2.x: sinusoidal timestep embedding and its MLP, conv_in,
/// down blocks (ResNet blocks, spatial transformers with self-attention, cross-attention on the text embedding and a
/// GEGLU feed-forward, strided-conv downsampling), the mid block, up blocks fed by the skip connections (nearest
/// upsampling + conv), and the output norm and conv. Weights are held by their checkpoint names
/// (<see cref="UNetLayout"/>)
/// in the compute dtype and used functionally, so loading is a strict name and shape match.
/// </summary>
public sealed class UNet2DConditionModel : IDisposable
{
    private const double TransformerNormEps = 1e-6;
    private readonly Dictionary<string, Tensor> _weights;
    private readonly Functional _f;

    /// <summary>False for a <see cref="Sharing"/> view: its tensors belong to another model or the caller.</summary>
    private readonly bool _ownsWeights;

    private UNet2DConditionModel(
        UNetConfig config,
        Dictionary<string, Tensor> weights,
        ScalarType dtype,
        bool ownsWeights = true
    )
    {
        Config = config;
        _weights = weights;
        _ownsWeights = ownsWeights;
        DType = dtype;
        Device = weights.Values.First().device;
        _f = new Functional(weights, () => OperatorTrace);
    }

    public UNetConfig Config { get; }

    /// <summary>Where the weights live and the forward pass runs: its inputs must be there.</summary>
    public Device Device { get; }

    /// <summary>The dtype of the weights and of the computation.</summary>
    public ScalarType DType { get; }

    /// <summary>Receives every convolution, linear layer and attention call of a forward pass (the benchmark's operator
    /// census); null normally.</summary>
    public Action<OperatorCall>? OperatorTrace { get; set; }

    public long ParameterCount => _weights.Values.Sum(w => w.numel());

    /// <summary>The weights by name (owned by the model): training sets requires_grad on those it updates; the frozen
    /// ones take part in the backward pass without a copy.</summary>
    public IReadOnlyDictionary<string, Tensor> Weights => _weights;

    /// <summary>Loads unet/config.json and its safetensors weights strictly, converting them to
    /// <paramref name="dtype"/> on <paramref name="device"/> (default: the CPU).</summary>
    public static UNet2DConditionModel Load(
        string configPath,
        string weightsPath,
        ScalarType dtype = ScalarType.Float32,
        Device? device = null
    )
    {
        var config = UNetConfig.Load(configPath);
        var weights = StrictWeights.Load(
            weightsPath,
            UNetLayout.Tensors(config),
            UNetConfig.ClassName,
            configPath,
            dtype,
            device: device
        );
        return new UNet2DConditionModel(config, weights, dtype);
    }

    /// <summary>A model over given tensors (taken over: disposed with the model), checked against the layout of
    /// <paramref name="config"/>.</summary>
    public static UNet2DConditionModel FromWeights(UNetConfig config, IReadOnlyDictionary<string, Tensor> weights)
    {
        config.Validate("U-Net config");
        StrictWeights.Check(weights, UNetLayout.Tensors(config), UNetConfig.ClassName);
        var dtype = weights.Values.First().dtype;
        if (weights.Values.Any(w => w.dtype != dtype))
            throw new ArgumentException("All U-Net weights must share one dtype.", nameof(weights));
        return new UNet2DConditionModel(
            config,
            weights.ToDictionary(kv => kv.Key, kv => kv.Value.DetachFromDisposeScope()),
            dtype
        );
    }

    /// <summary>
    /// Makes the named weight trainable: from now on it is a parameter (a copy of its value that autograd records),
    /// which this model owns and uses; the other weights stay frozen and shared.
    /// </summary>
    public TorchSharp.Modules.Parameter Train(string name)
    {
        if (!_weights.TryGetValue(name, out var weight))
            throw new ArgumentException($"The U-Net has no tensor {name}.", nameof(name));
        if (weight is TorchSharp.Modules.Parameter trained)
            return trained;
        var parameter = new TorchSharp.Modules.Parameter(weight.detach().clone(), requires_grad: true);
        parameter.DetachFromDisposeScope();
        _weights[name] = parameter;
        if (_ownsWeights)
            weight.Dispose();
        return parameter;
    }

    /// <summary>
    /// A view that computes with <paramref name="overrides"/> in place of the named weights and with this model's own
    /// tensors for all others, shared rather than copied (e.g. a frozen original beside a model being trained, at the
    /// cost of only the overridden tensors). Disposing the view disposes nothing; it must not outlive this model.
    /// </summary>
    public UNet2DConditionModel Sharing(IReadOnlyDictionary<string, Tensor> overrides)
    {
        ArgumentNullException.ThrowIfNull(overrides);
        var weights = new Dictionary<string, Tensor>(_weights);
        foreach (var (name, value) in overrides)
        {
            if (!_weights.TryGetValue(name, out var current))
                throw new ArgumentException($"The U-Net has no tensor {name}.", nameof(overrides));
            if (!value.shape.SequenceEqual(current.shape) || value.dtype != DType)
                throw new ArgumentException(
                    $"U-Net tensor {name} is {TensorShape.Format(current.shape)} {DType}, the override {TensorShape.Format(value.shape)} {value.dtype}.",
                    nameof(overrides)
                );
            HostTensors.RequireOn(value, Device, "The U-Net", $"the override of {name}");
            weights[name] = value;
        }
        return new UNet2DConditionModel(Config, weights, DType, ownsWeights: false);
    }

    /// <summary>
    /// Overwrites named weights of the loaded model in place with new values of the same shapes (from any device),
    /// converted to the compute dtype as loading converts stored tensors (so a model edited here equals one loaded from
    /// a file holding those values). Used to evaluate RECE checkpoints (W0 P for every cross-attention K/V matrix) on
    /// one loaded base model, without reallocating device memory. The caller keeps ownership of
    /// <paramref name="replacements"/>.
    /// </summary>
    public void ReplaceWeights(IReadOnlyDictionary<string, Tensor> replacements) =>
        StrictWeights.Replace(_weights, replacements, "U-Net", "tensor");

    /// <summary>The predicted noise (or v) for noisy latents at the given timesteps, conditioned on text
    /// embeddings.</summary>
    /// <param name="sample">[B, in_channels, h, w] in <see cref="DType"/>.</param>
    /// <param name="timesteps">[B] (or [1], broadcast) diffusion timesteps, float32.</param>
    /// <param name="encoderHiddenStates">[B, tokens, cross_attention_dim] in <see cref="DType"/>.</param>
    /// <returns>[B, out_channels, h, w] in <see cref="DType"/>.</returns>
    public Tensor Forward(Tensor sample, Tensor timesteps, Tensor encoderHiddenStates)
    {
        var c = Config;
        long batch = sample.shape[0];
        if (sample.dim() != 4 || sample.shape[1] != c.InChannels)
            throw new ArgumentException(
                $"The U-Net takes [B, {c.InChannels}, h, w] latents, got {TensorShape.Format(sample.shape)}.",
                nameof(sample)
            );
        if (sample.dtype != DType || encoderHiddenStates.dtype != DType)
            throw new ArgumentException(
                $"The U-Net computes in {DType}; convert the latents ({sample.dtype}) and text embeddings ({encoderHiddenStates.dtype}) first."
            );
        HostTensors.RequireOn(sample, Device, "The U-Net", "the latent sample");
        HostTensors.RequireOn(timesteps, Device, "The U-Net", "the timesteps tensor");
        HostTensors.RequireOn(encoderHiddenStates, Device, "The U-Net", "the text embedding");
        if (
            encoderHiddenStates.dim() != 3
            || encoderHiddenStates.shape[0] != batch
            || encoderHiddenStates.shape[2] != c.CrossAttentionDim
        )
            throw new ArgumentException(
                $"The U-Net takes [{batch}, tokens, {c.CrossAttentionDim}] text embeddings, got {TensorShape.Format(encoderHiddenStates.shape)}.",
                nameof(encoderHiddenStates)
            );

        using var scope = NewDisposeScope();
        if (c.CenterInputSample)
            sample = sample.mul(2).sub_(1);
        var t = timesteps.to(ScalarType.Float32).reshape(-1).expand(batch);
        var timeSilu = F.silu(TimeEmbedding(t));

        int blocks = c.BlockOutChannels.Length,
            last = blocks - 1;
        long groups = c.NormNumGroups;
        var h = _f.Conv(sample, "conv_in", padding: 1);
        var skips = new List<Tensor> { h };
        for (int i = 0; i < blocks; i++)
        {
            bool attention = c.DownBlockTypes[i] == UNetConfig.CrossAttnDown;
            for (int j = 0; j < c.LayersPerBlock; j++)
            {
                h = _f.ResNet(h, timeSilu, $"down_blocks.{i}.resnets.{j}", groups, c.NormEps);
                if (attention)
                    h = Transformer(h, encoderHiddenStates, $"down_blocks.{i}.attentions.{j}", c.AttentionHeadDim[i]);
                skips.Add(h);
            }
            if (i != last)
            {
                h = _f.Downsample(h, $"down_blocks.{i}.downsamplers.0", c.DownsamplePadding);
                skips.Add(h);
            }
        }

        h = _f.ResNet(h, timeSilu, "mid_block.resnets.0", groups, c.NormEps, c.MidBlockScaleFactor);
        h = Transformer(h, encoderHiddenStates, "mid_block.attentions.0", c.AttentionHeadDim[last]);
        h = _f.ResNet(h, timeSilu, "mid_block.resnets.1", groups, c.NormEps, c.MidBlockScaleFactor);

        for (int i = 0; i < blocks; i++)
        {
            bool attention = c.UpBlockTypes[i] == UNetConfig.CrossAttnUp;
            long heads = c.AttentionHeadDim[last - i];
            for (int j = 0; j <= c.LayersPerBlock; j++)
            {
                var skip = skips[^1];
                skips.RemoveAt(skips.Count - 1);
                h = _f.ResNet(cat(new[] { h, skip }, 1), timeSilu, $"up_blocks.{i}.resnets.{j}", groups, c.NormEps);
                if (attention)
                    h = Transformer(h, encoderHiddenStates, $"up_blocks.{i}.attentions.{j}", heads);
            }
            // Upsample to the next skip's size: twice the input, or one less when a latent side was odd (diffusers'
            // upsample_size).
            if (i != last)
                h = _f.Upsample(h, $"up_blocks.{i}.upsamplers.0", new[] { skips[^1].shape[2], skips[^1].shape[3] });
        }

        h = _f.Conv(_f.GroupNormSilu(h, "conv_norm_out", groups, c.NormEps), "conv_out", padding: 1);
        return h.MoveToOuterDisposeScope();
    }

    /// <summary>
    /// get_timestep_embedding (sinusoids over block_out_channels[0] dims, exponent -ln(10000) i / (half - freq_shift),
    /// cos first when flip_sin_to_cos), computed in float32 as diffusers does, then linear_1, SiLU, linear_2 in the
    /// compute dtype.
    /// </summary>
    private Tensor TimeEmbedding(Tensor timesteps)
    {
        using var scope = NewDisposeScope();
        long half = Config.BlockOutChannels[0] / 2;
        var exponent = arange(0, half, dtype: ScalarType.Float32, device: timesteps.device)
            .mul_(-Math.Log(10000))
            .div_(half - Config.FreqShift);
        var args = timesteps.unsqueeze(1).mul(exp(exponent).unsqueeze(0));
        var sin = args.sin();
        var cos = args.cos();
        var emb = (Config.FlipSinToCos ? cat(new[] { cos, sin }, 1) : cat(new[] { sin, cos }, 1)).to(DType);
        var hidden = InPlace.Silu(_f.Linear(emb, "time_embedding.linear_1"));
        return _f.Linear(hidden, "time_embedding.linear_2").MoveToOuterDisposeScope();
    }

    /// <summary>Transformer2DModel with one BasicTransformerBlock: GroupNorm (eps 1e-6), proj_in, the block, proj_out,
    /// + input.</summary>
    private Tensor Transformer(Tensor x, Tensor context, string prefix, long heads)
    {
        using var scope = NewDisposeScope();
        long batch = x.shape[0],
            channels = x.shape[1],
            height = x.shape[2],
            width = x.shape[3];
        var normed = _f.GroupNorm(x, prefix + ".norm", Config.NormNumGroups, TransformerNormEps);
        // A 1x1 convolution (SD v1.x) and a linear layer (SD v2.x) are the same product over the channels of each
        // position.
        var tokens = normed.permute(0, 2, 3, 1).reshape(batch, height * width, channels);
        var h = _f.Linear(tokens, ProjectionWeight(prefix + ".proj_in"), _f.W(prefix + ".proj_in.bias"));
        h = Block(h, context, prefix + ".transformer_blocks.0", heads);
        h = _f.Linear(h, ProjectionWeight(prefix + ".proj_out"), _f.W(prefix + ".proj_out.bias"));
        var result = h.view(batch, height, width, channels).permute(0, 3, 1, 2).contiguous().add_(x);
        return result.MoveToOuterDisposeScope();
    }

    private Tensor ProjectionWeight(string prefix)
    {
        var w = _f.W(prefix + ".weight");
        return Config.UseLinearProjection ? w : w.view(w.shape[0], w.shape[1]);
    }

    /// <summary>BasicTransformerBlock: x += attn1(norm1 x); x += attn2(norm2 x, context); x += GEGLU-FF(norm3
    /// x).</summary>
    private Tensor Block(Tensor h, Tensor context, string prefix, long heads)
    {
        // Each residual branch is computed in its own scope and added outside it: out of place when training (the
        // layer norm's backward pass reads h), in place otherwise.
        Tensor branch;
        using (var scope = NewDisposeScope())
        {
            var n = _f.LayerNorm(h, prefix + ".norm1");
            branch = _f.MultiHeadAttention(n, n, prefix + ".attn1", heads, projectionBias: false)
                .MoveToOuterDisposeScope();
        }
        h = AddBranch(h, branch);
        using (var scope = NewDisposeScope())
        {
            var n = _f.LayerNorm(h, prefix + ".norm2");
            branch = _f.MultiHeadAttention(n, context, prefix + ".attn2", heads, projectionBias: false)
                .MoveToOuterDisposeScope();
        }
        h = AddBranch(h, branch);
        using (var scope = NewDisposeScope())
        {
            var n = _f.LayerNorm(h, prefix + ".norm3");
            // GEGLU: the projection's first half is the value, the second the gate; its rows are contiguous, so each
            // half is a view.
            var proj = _f.W(prefix + ".ff.net.0.proj.weight");
            var bias = _f.W(prefix + ".ff.net.0.proj.bias");
            long inner = proj.shape[0] / 2;
            var value = _f.Linear(n, proj.narrow(0, 0, inner), bias.narrow(0, 0, inner));
            var gate = _f.Linear(n, proj.narrow(0, inner, inner), bias.narrow(0, inner, inner));
            value = InPlace.Multiply(value, F.gelu(gate));
            branch = _f.Linear(value, prefix + ".ff.net.2").MoveToOuterDisposeScope();
        }
        return AddBranch(h, branch);
    }

    private static Tensor AddBranch(Tensor h, Tensor branch)
    {
        var sum = InPlace.Add(h, branch);
        branch.Dispose();
        return sum;
    }

    public void Dispose()
    {
        if (!_ownsWeights)
            return;
        foreach (var w in _weights.Values)
            w.Dispose();
    }
}

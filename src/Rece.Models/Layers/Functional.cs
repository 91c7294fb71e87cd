using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace Rece.Models.Layers;

/// <summary>
/// The functional building blocks shared by the U-Net and the VAE, written once against diffusers' semantics. Each
/// heavy operator can be reported to a trace, so the benchmark can time exactly the operators of one forward pass in
/// isolation.
/// </summary>
internal sealed class Functional(IReadOnlyDictionary<string, Tensor> weights, Func<Action<OperatorCall>?> trace)
{
    public Tensor W(string name) => weights[name];

    public bool Has(string name) => weights.ContainsKey(name);

    public Tensor Conv(Tensor x, string prefix, long stride = 1, long padding = 0)
    {
        var w = W(prefix + ".weight");
        var b = W(prefix + ".bias");
        trace()?.Invoke(new OperatorCall("conv2d", new[] { x.shape }, w.shape, true, stride, padding));
        if (is_grad_enabled() && x.device_type == TorchSharp.DeviceType.CPU && x.dtype != ScalarType.Float64)
            return UnfoldedConv(x, w, b, stride, padding);
        return MetaKernels.Applies(x)
            ? MetaKernels.Conv2d(x, w, b, stride, padding)
            : F.conv2d(x, w, b, strides: new[] { stride, stride }, padding: new[] { padding, padding });
    }

    /// <summary>
    /// The convolution as unfold and a matrix product, used on the CPU whenever autograd is on (training): libtorch's
    /// float32 CPU convolution backward returned NaN input gradients in about half of the runs of the same training
    /// step (two threads; none in float64 or on one thread), while this form's backward is matrix products and a fold.
    /// Same values as conv2d up to rounding; where the input needs a gradient its unfolded copy (k^2 times the input)
    /// is kept for the backward pass. Inference (no_grad, inference mode) keeps the native kernel.
    /// </summary>
    internal static Tensor UnfoldedConv(Tensor x, Tensor w, Tensor b, long stride, long padding)
    {
        using var scope = NewDisposeScope();
        long batch = x.shape[0],
            outChannels = w.shape[0],
            kh = w.shape[2],
            kw = w.shape[3];
        long height = (x.shape[2] + 2 * padding - kh) / stride + 1,
            width = (x.shape[3] + 2 * padding - kw) / stride + 1;
        var columns = F.unfold(x, (kh, kw), padding: (padding, padding), stride: (stride, stride));
        var y = w.reshape(outChannels, -1).matmul(columns).add(b.view(1, outChannels, 1));
        return y.view(batch, outChannels, height, width).MoveToOuterDisposeScope();
    }

    public Tensor Linear(Tensor x, string prefix, bool bias = true) =>
        Linear(x, W(prefix + ".weight"), bias ? W(prefix + ".bias") : null);

    public Tensor Linear(Tensor x, Tensor weight, Tensor? bias)
    {
        trace()?.Invoke(new OperatorCall("linear", new[] { x.shape }, weight.shape, bias is not null));
        return F.linear(x, weight, bias);
    }

    public Tensor Attention(Tensor q, Tensor k, Tensor v)
    {
        trace()?.Invoke(new OperatorCall("attention", new[] { q.shape, k.shape, v.shape }, null, false));
        if (MetaKernels.Applies(q))
            return MetaKernels.Attention(q, k, v);
        return F.scaled_dot_product_attention(q, k, v);
    }

    public Tensor GroupNorm(Tensor x, string prefix, long groups, double eps) =>
        MetaKernels.Applies(x)
            ? MetaKernels.Norm("group_norm", x, W(prefix + ".weight"), W(prefix + ".bias"))
            : F.group_norm(x, groups, W(prefix + ".weight"), W(prefix + ".bias"), eps);

    /// <summary>GroupNorm followed by SiLU, in place on the normalized copy (unless autograd tracks it).</summary>
    public Tensor GroupNormSilu(Tensor x, string prefix, long groups, double eps) =>
        InPlace.Silu(GroupNorm(x, prefix, groups, eps));

    public Tensor LayerNorm(Tensor x, string prefix, double eps = 1e-5) =>
        MetaKernels.Applies(x)
            ? MetaKernels.Norm("layer_norm", x, W(prefix + ".weight"), W(prefix + ".bias"))
            : F.layer_norm(x, new[] { x.shape[^1] }, W(prefix + ".weight"), W(prefix + ".bias"), eps);

    /// <summary>
    /// diffusers' ResnetBlock2D (time_embedding_norm "default", no up/down): norm1, SiLU, conv1, + time projection,
    /// norm2, SiLU, conv2, + (1x1 shortcut of) the input, / output_scale_factor.
    /// </summary>
    /// <param name="timeEmbeddingSilu">SiLU(time embedding) [B, T], or null for the VAE's blocks (no time
    /// input).</param>
    public Tensor ResNet(
        Tensor x,
        Tensor? timeEmbeddingSilu,
        string prefix,
        long groups,
        double eps,
        double outputScale = 1
    )
    {
        using var scope = NewDisposeScope();
        var h = Conv(GroupNormSilu(x, prefix + ".norm1", groups, eps), prefix + ".conv1", padding: 1);
        if (timeEmbeddingSilu is not null)
        {
            var t = Linear(timeEmbeddingSilu, prefix + ".time_emb_proj");
            h.add_(t.view(t.shape[0], t.shape[1], 1, 1));
        }
        h = Conv(GroupNormSilu(h, prefix + ".norm2", groups, eps), prefix + ".conv2", padding: 1);
        h.add_(Has(prefix + ".conv_shortcut.weight") ? Conv(x, prefix + ".conv_shortcut") : x);
        if (outputScale != 1)
            h.div_(outputScale);
        return h.MoveToOuterDisposeScope();
    }

    /// <summary>Multi-head attention of diffusers' Attention with the fused kernel: [B, N, C] queries over [B, L, Ck]
    /// context.</summary>
    public Tensor MultiHeadAttention(Tensor x, Tensor context, string prefix, long heads, bool projectionBias)
    {
        using var scope = NewDisposeScope();
        long batch = x.shape[0],
            n = x.shape[1],
            l = context.shape[1];
        var q = Linear(x, prefix + ".to_q", projectionBias);
        long inner = q.shape[2],
            headDim = inner / heads;
        q = q.view(batch, n, heads, headDim).transpose(1, 2);
        var k = Linear(context, prefix + ".to_k", projectionBias).view(batch, l, heads, headDim).transpose(1, 2);
        var v = Linear(context, prefix + ".to_v", projectionBias).view(batch, l, heads, headDim).transpose(1, 2);
        var attended = Attention(q, k, v).transpose(1, 2).reshape(batch, n, inner);
        return Linear(attended, prefix + ".to_out.0").MoveToOuterDisposeScope();
    }

    /// <summary>Nearest-neighbour upsampling to <paramref name="size"/> (twice the input for SD), then a 3x3
    /// convolution (Upsample2D).</summary>
    public Tensor Upsample(Tensor x, string prefix, long[] size)
    {
        using var scope = NewDisposeScope();
        var up = F.interpolate(x, size: size, mode: InterpolationMode.Nearest);
        return Conv(up, prefix + ".conv", padding: 1).MoveToOuterDisposeScope();
    }

    /// <summary>Downsample2D with a convolution: stride 2, padding p; with p = 0 the input is first padded by one on
    /// the right and bottom.</summary>
    public Tensor Downsample(Tensor x, string prefix, long padding)
    {
        if (padding != 0)
            return Conv(x, prefix + ".conv", stride: 2, padding: padding);
        using var padded = F.pad(x, new long[] { 0, 1, 0, 1 });
        return Conv(padded, prefix + ".conv", stride: 2);
    }
}

using Rece.Models.UNet;
using Rece.Models.Vae;

namespace Rece.Models.Tests.Reference;

/// <summary>Named float64 weights for the reference models.</summary>
public sealed class NaiveWeights(IReadOnlyDictionary<string, double[]> values)
{
    public double[] this[string name] => values[name];

    public bool Has(string name) => values.ContainsKey(name);

    public Map Conv(Map x, string prefix, int outC, int kernel, int stride = 1, int pad = 0) =>
        Naive.Conv(x, this[prefix + ".weight"], this[prefix + ".bias"], outC, kernel, stride, pad, pad, pad, pad);

    public Map GroupNorm(Map x, string prefix, int groups, double eps) => Naive.GroupNorm(x, groups, this[prefix + ".weight"], this[prefix + ".bias"], eps);

    public double[,] Linear(double[,] x, string prefix, int outF, bool bias = true) => Naive.Linear(x, this[prefix + ".weight"], bias ? this[prefix + ".bias"] : null, outF);
}

/// <summary>diffusers' UNet2DConditionModel forward pass for one image, written out with the loop operators of <see cref="Naive"/>.</summary>
public static class NaiveUNet
{
    public static Map Forward(UNetConfig c, NaiveWeights w, Map sample, double timestep, double[,] context)
    {
        int c0 = c.BlockOutChannels[0], half = c0 / 2, ted = c.TimeEmbedDim;
        var sinusoid = new double[c0];
        for (int i = 0; i < half; i++)
        {
            double arg = timestep * Math.Exp(-Math.Log(10000) * i / (half - c.FreqShift));
            sinusoid[c.FlipSinToCos ? i : i + half] = Math.Cos(arg);
            sinusoid[c.FlipSinToCos ? i + half : i] = Math.Sin(arg);
        }
        var temb = Naive.Linear(Naive.Linear(sinusoid, w["time_embedding.linear_1.weight"], w["time_embedding.linear_1.bias"], ted).Select(Naive.Silu).ToArray(),
            w["time_embedding.linear_2.weight"], w["time_embedding.linear_2.bias"], ted);
        var tsilu = temb.Select(Naive.Silu).ToArray();

        Map ResNet(Map x, string p, int outC, double scale = 1)
        {
            var h = w.Conv(Naive.Silu(w.GroupNorm(x, p + ".norm1", c.NormNumGroups, c.NormEps)), p + ".conv1", outC, 3, pad: 1);
            var t = Naive.Linear(tsilu, w[p + ".time_emb_proj.weight"], w[p + ".time_emb_proj.bias"], outC);
            for (int ch = 0; ch < outC; ch++)
                for (int i = 0; i < h.H * h.W; i++)
                    h.Data[ch * h.H * h.W + i] += t[ch];
            h = w.Conv(Naive.Silu(w.GroupNorm(h, p + ".norm2", c.NormNumGroups, c.NormEps)), p + ".conv2", outC, 3, pad: 1);
            var shortcut = w.Has(p + ".conv_shortcut.weight") ? w.Conv(x, p + ".conv_shortcut", outC, 1) : x;
            var y = Naive.Add(shortcut, h);
            for (int i = 0; i < y.Data.Length; i++)
                y.Data[i] /= scale;
            return y;
        }

        double[,] Attention(double[,] x, double[,] ctx, string p, int dim, int heads)
        {
            var q = w.Linear(x, p + ".to_q", dim, bias: false);
            var k = w.Linear(ctx, p + ".to_k", dim, bias: false);
            var v = w.Linear(ctx, p + ".to_v", dim, bias: false);
            return w.Linear(Naive.Attention(q, k, v, heads), p + ".to_out.0", dim);
        }

        Map Transformer(Map x, string p, int heads)
        {
            int dim = x.C;
            var normed = w.GroupNorm(x, p + ".norm", c.NormNumGroups, 1e-6);
            var h = c.UseLinearProjection ? w.Linear(Naive.ToTokens(normed), p + ".proj_in", dim) : Naive.ToTokens(w.Conv(normed, p + ".proj_in", dim, 1));
            string b = p + ".transformer_blocks.0";
            var n1 = Naive.LayerNorm(h, w[b + ".norm1.weight"], w[b + ".norm1.bias"], 1e-5);
            h = Naive.Add(h, Attention(n1, n1, b + ".attn1", dim, heads));
            var n2 = Naive.LayerNorm(h, w[b + ".norm2.weight"], w[b + ".norm2.bias"], 1e-5);
            h = Naive.Add(h, Attention(n2, context, b + ".attn2", dim, heads));
            var n3 = Naive.LayerNorm(h, w[b + ".norm3.weight"], w[b + ".norm3.bias"], 1e-5);
            var proj = w.Linear(n3, b + ".ff.net.0.proj", 8 * dim);
            var gated = new double[proj.GetLength(0), 4 * dim];
            for (int r = 0; r < proj.GetLength(0); r++)
                for (int i = 0; i < 4 * dim; i++)
                    gated[r, i] = proj[r, i] * Naive.Gelu(proj[r, 4 * dim + i]);
            h = Naive.Add(h, w.Linear(gated, b + ".ff.net.2", dim));
            var output = c.UseLinearProjection ? Naive.FromTokens(w.Linear(h, p + ".proj_out", dim), x.H, x.W) : w.Conv(Naive.FromTokens(h, x.H, x.W), p + ".proj_out", dim, 1);
            return Naive.Add(output, x);
        }

        int blocks = c.BlockOutChannels.Length, last = blocks - 1;
        var hidden = w.Conv(sample, "conv_in", c0, 3, pad: 1);
        var skips = new List<Map> { hidden };
        for (int i = 0; i < blocks; i++)
        {
            int outC = c.BlockOutChannels[i];
            for (int j = 0; j < c.LayersPerBlock; j++)
            {
                hidden = ResNet(hidden, $"down_blocks.{i}.resnets.{j}", outC);
                if (c.DownBlockTypes[i] == UNetConfig.CrossAttnDown)
                    hidden = Transformer(hidden, $"down_blocks.{i}.attentions.{j}", c.AttentionHeadDim[i]);
                skips.Add(hidden);
            }
            if (i != last)
            {
                hidden = w.Conv(hidden, $"down_blocks.{i}.downsamplers.0.conv", outC, 3, stride: 2, pad: 1);
                skips.Add(hidden);
            }
        }
        int mid = c.BlockOutChannels[last];
        hidden = ResNet(hidden, "mid_block.resnets.0", mid, c.MidBlockScaleFactor);
        hidden = Transformer(hidden, "mid_block.attentions.0", c.AttentionHeadDim[last]);
        hidden = ResNet(hidden, "mid_block.resnets.1", mid, c.MidBlockScaleFactor);
        for (int i = 0; i < blocks; i++)
        {
            int outC = c.BlockOutChannels[last - i];
            for (int j = 0; j <= c.LayersPerBlock; j++)
            {
                var skip = skips[^1];
                skips.RemoveAt(skips.Count - 1);
                hidden = ResNet(Naive.Concat(hidden, skip), $"up_blocks.{i}.resnets.{j}", outC);
                if (c.UpBlockTypes[i] == UNetConfig.CrossAttnUp)
                    hidden = Transformer(hidden, $"up_blocks.{i}.attentions.{j}", c.AttentionHeadDim[last - i]);
            }
            if (i != last)
                hidden = w.Conv(Naive.Nearest(hidden, skips[^1].H, skips[^1].W), $"up_blocks.{i}.upsamplers.0.conv", outC, 3, pad: 1);
        }
        hidden = Naive.Silu(w.GroupNorm(hidden, "conv_norm_out", c.NormNumGroups, c.NormEps));
        return w.Conv(hidden, "conv_out", c.OutChannels, 3, pad: 1);
    }
}

/// <summary>diffusers' AutoencoderKL encoder and decoder for one image, written out with the loop operators of <see cref="Naive"/>.</summary>
public static class NaiveVae
{
    private const double Eps = 1e-6;

    private static Map ResNet(VaeConfig c, NaiveWeights w, Map x, string p, int outC)
    {
        var h = w.Conv(Naive.Silu(w.GroupNorm(x, p + ".norm1", c.NormNumGroups, Eps)), p + ".conv1", outC, 3, pad: 1);
        h = w.Conv(Naive.Silu(w.GroupNorm(h, p + ".norm2", c.NormNumGroups, Eps)), p + ".conv2", outC, 3, pad: 1);
        return Naive.Add(w.Has(p + ".conv_shortcut.weight") ? w.Conv(x, p + ".conv_shortcut", outC, 1) : x, h);
    }

    private static Map Mid(VaeConfig c, NaiveWeights w, Map x, string p)
    {
        int ch = x.C;
        x = ResNet(c, w, x, p + ".resnets.0", ch);
        string a = p + ".attentions.0";
        var tokens = Naive.ToTokens(w.GroupNorm(x, a + ".group_norm", c.NormNumGroups, Eps));
        var q = w.Linear(tokens, a + ".to_q", ch);
        var k = w.Linear(tokens, a + ".to_k", ch);
        var v = w.Linear(tokens, a + ".to_v", ch);
        var attended = w.Linear(Naive.Attention(q, k, v, 1), a + ".to_out.0", ch);
        x = Naive.Add(Naive.FromTokens(attended, x.H, x.W), x);
        return ResNet(c, w, x, p + ".resnets.1", ch);
    }

    /// <summary>Mean and log-variance (clamped to [-30, 20]) of the latent distribution.</summary>
    public static (Map Mean, Map LogVariance) Encode(VaeConfig c, NaiveWeights w, Map image)
    {
        var ch = c.BlockOutChannels;
        var h = w.Conv(image, "encoder.conv_in", ch[0], 3, pad: 1);
        for (int i = 0; i < ch.Length; i++)
        {
            for (int j = 0; j < c.LayersPerBlock; j++)
                h = ResNet(c, w, h, $"encoder.down_blocks.{i}.resnets.{j}", ch[i]);
            if (i != ch.Length - 1)
            {
                string p = $"encoder.down_blocks.{i}.downsamplers.0.conv";
                h = Naive.Conv(h, w[p + ".weight"], w[p + ".bias"], ch[i], 3, 2, 0, 0, 1, 1);
            }
        }
        h = Mid(c, w, h, "encoder.mid_block");
        h = w.Conv(Naive.Silu(w.GroupNorm(h, "encoder.conv_norm_out", c.NormNumGroups, Eps)), "encoder.conv_out", 2 * c.LatentChannels, 3, pad: 1);
        h = w.Conv(h, "quant_conv", 2 * c.LatentChannels, 1);
        var mean = new Map(c.LatentChannels, h.H, h.W);
        var logVariance = new Map(c.LatentChannels, h.H, h.W);
        Array.Copy(h.Data, 0, mean.Data, 0, mean.Data.Length);
        Array.Copy(h.Data, mean.Data.Length, logVariance.Data, 0, logVariance.Data.Length);
        for (int i = 0; i < logVariance.Data.Length; i++)
            logVariance.Data[i] = Math.Clamp(logVariance.Data[i], -30, 20);
        return (mean, logVariance);
    }

    public static Map Decode(VaeConfig c, NaiveWeights w, Map latents)
    {
        var z = latents.Copy();
        for (int i = 0; i < z.Data.Length; i++)
            z.Data[i] /= c.ScalingFactor;
        z = w.Conv(z, "post_quant_conv", c.LatentChannels, 1);
        var ch = c.BlockOutChannels;
        var h = w.Conv(z, "decoder.conv_in", ch[^1], 3, pad: 1);
        h = Mid(c, w, h, "decoder.mid_block");
        for (int i = 0; i < ch.Length; i++)
        {
            int outC = ch[ch.Length - 1 - i];
            for (int j = 0; j <= c.LayersPerBlock; j++)
                h = ResNet(c, w, h, $"decoder.up_blocks.{i}.resnets.{j}", outC);
            if (i != ch.Length - 1)
                h = w.Conv(Naive.Nearest(h, h.H * 2, h.W * 2), $"decoder.up_blocks.{i}.upsamplers.0.conv", outC, 3, pad: 1);
        }
        h = Naive.Silu(w.GroupNorm(h, "decoder.conv_norm_out", c.NormNumGroups, Eps));
        return w.Conv(h, "decoder.conv_out", c.OutChannels, 3, pad: 1);
    }
}

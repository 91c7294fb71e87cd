using Rece.Models.UNet;

namespace Rece.Models.Tests.Reference;

/// <summary>diffusers' UNet2DConditionModel forward pass for one image, written out with the loop operators of
/// <see cref="Naive"/>.</summary>
public static class NaiveUNet
{
    public static Map Forward(UNetConfig c, NaiveWeights w, Map sample, double timestep, double[,] context)
    {
        int c0 = c.BlockOutChannels[0],
            half = c0 / 2,
            ted = c.TimeEmbedDim;
        var sinusoid = new double[c0];
        for (int i = 0; i < half; i++)
        {
            double arg = timestep * Math.Exp(-Math.Log(10000) * i / (half - c.FreqShift));
            sinusoid[c.FlipSinToCos ? i : i + half] = Math.Cos(arg);
            sinusoid[c.FlipSinToCos ? i + half : i] = Math.Sin(arg);
        }
        var temb = Naive.Linear(
            Naive
                .Linear(sinusoid, w["time_embedding.linear_1.weight"], w["time_embedding.linear_1.bias"], ted)
                .Select(Naive.Silu)
                .ToArray(),
            w["time_embedding.linear_2.weight"],
            w["time_embedding.linear_2.bias"],
            ted
        );
        var tsilu = temb.Select(Naive.Silu).ToArray();

        Map ResNet(Map x, string p, int outC, double scale = 1)
        {
            var h = w.Conv(
                Naive.Silu(w.GroupNorm(x, p + ".norm1", c.NormNumGroups, c.NormEps)),
                p + ".conv1",
                outC,
                3,
                pad: 1
            );
            var t = Naive.Linear(tsilu, w[p + ".time_emb_proj.weight"], w[p + ".time_emb_proj.bias"], outC);
            for (int ch = 0; ch < outC; ch++)
            for (int i = 0; i < h.H * h.W; i++)
                h.Data[ch * h.H * h.W + i] += t[ch];
            h = w.Conv(
                Naive.Silu(w.GroupNorm(h, p + ".norm2", c.NormNumGroups, c.NormEps)),
                p + ".conv2",
                outC,
                3,
                pad: 1
            );
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
            var h = c.UseLinearProjection
                ? w.Linear(Naive.ToTokens(normed), p + ".proj_in", dim)
                : Naive.ToTokens(w.Conv(normed, p + ".proj_in", dim, 1));
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
            var output = c.UseLinearProjection
                ? Naive.FromTokens(w.Linear(h, p + ".proj_out", dim), x.H, x.W)
                : w.Conv(Naive.FromTokens(h, x.H, x.W), p + ".proj_out", dim, 1);
            return Naive.Add(output, x);
        }

        int blocks = c.BlockOutChannels.Length,
            last = blocks - 1;
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
                hidden = w.Conv(
                    Naive.Nearest(hidden, skips[^1].H, skips[^1].W),
                    $"up_blocks.{i}.upsamplers.0.conv",
                    outC,
                    3,
                    pad: 1
                );
        }
        hidden = Naive.Silu(w.GroupNorm(hidden, "conv_norm_out", c.NormNumGroups, c.NormEps));
        return w.Conv(hidden, "conv_out", c.OutChannels, 3, pad: 1);
    }
}

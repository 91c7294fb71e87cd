using Rece.Models.Vae;

namespace Rece.Models.Tests.Reference;

/// <summary>diffusers' AutoencoderKL encoder and decoder for one image, written out with the loop operators of
/// <see cref="Naive"/>.</summary>
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
        h = w.Conv(
            Naive.Silu(w.GroupNorm(h, "encoder.conv_norm_out", c.NormNumGroups, Eps)),
            "encoder.conv_out",
            2 * c.LatentChannels,
            3,
            pad: 1
        );
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
                h = w.Conv(
                    Naive.Nearest(h, h.H * 2, h.W * 2),
                    $"decoder.up_blocks.{i}.upsamplers.0.conv",
                    outC,
                    3,
                    pad: 1
                );
        }
        h = Naive.Silu(w.GroupNorm(h, "decoder.conv_norm_out", c.NormNumGroups, Eps));
        return w.Conv(h, "decoder.conv_out", c.OutChannels, 3, pad: 1);
    }
}

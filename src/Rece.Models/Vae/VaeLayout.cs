namespace Rece.Models.Vae;

/// <summary>Every tensor of a diffusers AutoencoderKL checkpoint with a given config, in diffusers' naming.</summary>
public static class VaeLayout
{
    /// <summary>
    /// Older diffusers checkpoints (and some hub copies of SD v1.x) name the mid-block attention's projections
    /// query/key/value/proj_attn; diffusers renames them on load, and so does this loader.
    /// </summary>
    public static string CanonicalName(string name)
    {
        int at = name.IndexOf(".attentions.0.", StringComparison.Ordinal);
        if (at < 0)
            return name;
        string head = name[..(at + ".attentions.0.".Length)], tail = name[head.Length..];
        foreach (var (old, current) in new[] { ("query.", "to_q."), ("key.", "to_k."), ("value.", "to_v."), ("proj_attn.", "to_out.0.") })
        {
            if (tail.StartsWith(old, StringComparison.Ordinal))
                return head + current + tail[old.Length..];
        }
        return name;
    }

    public static IReadOnlyList<TensorSpec> Tensors(VaeConfig config)
    {
        var specs = new List<TensorSpec>();
        void Add(string name, params long[] shape) => specs.Add(new TensorSpec(name, shape));
        void Conv(string prefix, long outC, long inC, long kernel)
        {
            Add(prefix + ".weight", outC, inC, kernel, kernel);
            Add(prefix + ".bias", outC);
        }
        void Norm(string prefix, long c)
        {
            Add(prefix + ".weight", c);
            Add(prefix + ".bias", c);
        }
        void ResNet(string prefix, long inC, long outC)
        {
            Norm(prefix + ".norm1", inC);
            Conv(prefix + ".conv1", outC, inC, 3);
            Norm(prefix + ".norm2", outC);
            Conv(prefix + ".conv2", outC, outC, 3);
            if (inC != outC)
                Conv(prefix + ".conv_shortcut", outC, inC, 1);
        }
        void Mid(string prefix, long c)
        {
            ResNet(prefix + ".resnets.0", c, c);
            if (config.MidBlockAddAttention)
            {
                string attention = prefix + ".attentions.0";
                Norm(attention + ".group_norm", c);
                foreach (var projection in new[] { "to_q", "to_k", "to_v", "to_out.0" })
                {
                    Add($"{attention}.{projection}.weight", c, c);
                    Add($"{attention}.{projection}.bias", c);
                }
            }
            ResNet(prefix + ".resnets.1", c, c);
        }

        var channels = config.BlockOutChannels;
        int blocks = channels.Length, last = blocks - 1;
        long latent = config.LatentChannels;

        Conv("encoder.conv_in", channels[0], config.InChannels, 3);
        long output = channels[0];
        for (int i = 0; i < blocks; i++)
        {
            long input = output;
            output = channels[i];
            for (int j = 0; j < config.LayersPerBlock; j++)
                ResNet($"encoder.down_blocks.{i}.resnets.{j}", j == 0 ? input : output, output);
            if (i != last)
                Conv($"encoder.down_blocks.{i}.downsamplers.0.conv", output, output, 3);
        }
        Mid("encoder.mid_block", channels[last]);
        Norm("encoder.conv_norm_out", channels[last]);
        Conv("encoder.conv_out", 2 * latent, channels[last], 3);

        Conv("decoder.conv_in", channels[last], latent, 3);
        Mid("decoder.mid_block", channels[last]);
        var reversed = channels.Reverse().ToArray();
        output = reversed[0];
        for (int i = 0; i < blocks; i++)
        {
            long previous = output;
            output = reversed[i];
            for (int j = 0; j <= config.LayersPerBlock; j++)
                ResNet($"decoder.up_blocks.{i}.resnets.{j}", j == 0 ? previous : output, output);
            if (i != last)
                Conv($"decoder.up_blocks.{i}.upsamplers.0.conv", output, output, 3);
        }
        Norm("decoder.conv_norm_out", channels[0]);
        Conv("decoder.conv_out", config.OutChannels, channels[0], 3);

        if (config.UseQuantConv)
            Conv("quant_conv", 2 * latent, 2 * latent, 1);
        if (config.UsePostQuantConv)
            Conv("post_quant_conv", latent, latent, 1);
        return specs;
    }
}

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
        string head = name[..(at + ".attentions.0.".Length)],
            tail = name[head.Length..];
        foreach (
            var (old, current) in new[]
            {
                ("query.", "to_q."),
                ("key.", "to_k."),
                ("value.", "to_v."),
                ("proj_attn.", "to_out.0."),
            }
        )
        {
            if (tail.StartsWith(old, StringComparison.Ordinal))
                return head + current + tail[old.Length..];
        }
        return name;
    }

    public static IReadOnlyList<TensorSpec> Tensors(VaeConfig config)
    {
        var layout = new TensorLayoutBuilder();
        void Mid(string prefix, long c)
        {
            layout.ResNet(prefix + ".resnets.0", c, c);
            if (config.MidBlockAddAttention)
            {
                string attention = prefix + ".attentions.0";
                layout.Norm(attention + ".group_norm", c);
                foreach (var projection in new[] { "to_q", "to_k", "to_v", "to_out.0" })
                    layout.Linear($"{attention}.{projection}", c, c);
            }
            layout.ResNet(prefix + ".resnets.1", c, c);
        }

        var channels = config.BlockOutChannels;
        int blocks = channels.Length,
            last = blocks - 1;
        long latent = config.LatentChannels;

        layout.Conv("encoder.conv_in", channels[0], config.InChannels, 3);
        long output = channels[0];
        for (int i = 0; i < blocks; i++)
        {
            long input = output;
            output = channels[i];
            for (int j = 0; j < config.LayersPerBlock; j++)
                layout.ResNet($"encoder.down_blocks.{i}.resnets.{j}", j == 0 ? input : output, output);
            if (i != last)
                layout.Conv($"encoder.down_blocks.{i}.downsamplers.0.conv", output, output, 3);
        }
        Mid("encoder.mid_block", channels[last]);
        layout.Norm("encoder.conv_norm_out", channels[last]);
        layout.Conv("encoder.conv_out", 2 * latent, channels[last], 3);

        layout.Conv("decoder.conv_in", channels[last], latent, 3);
        Mid("decoder.mid_block", channels[last]);
        var reversed = channels.Reverse().ToArray();
        output = reversed[0];
        for (int i = 0; i < blocks; i++)
        {
            long previous = output;
            output = reversed[i];
            for (int j = 0; j <= config.LayersPerBlock; j++)
                layout.ResNet($"decoder.up_blocks.{i}.resnets.{j}", j == 0 ? previous : output, output);
            if (i != last)
                layout.Conv($"decoder.up_blocks.{i}.upsamplers.0.conv", output, output, 3);
        }
        layout.Norm("decoder.conv_norm_out", channels[0]);
        layout.Conv("decoder.conv_out", config.OutChannels, channels[0], 3);

        if (config.UseQuantConv)
            layout.Conv("quant_conv", 2 * latent, 2 * latent, 1);
        if (config.UsePostQuantConv)
            layout.Conv("post_quant_conv", latent, latent, 1);
        return layout.Specs;
    }
}

namespace Rece.Models.UNet;

/// <summary>
/// Every tensor of a diffusers UNet2DConditionModel checkpoint with a given config, in diffusers' naming: what a
/// checkpoint must hold, and which of its matrices are the cross-attention keys and values the erasure edits.
/// </summary>
public static class UNetLayout
{
    public const string KeySuffix = "attn2.to_k.weight";
    public const string ValueSuffix = "attn2.to_v.weight";

    public static bool IsCrossAttentionKeyOrValue(string name) =>
        name.EndsWith(KeySuffix, StringComparison.Ordinal) || name.EndsWith(ValueSuffix, StringComparison.Ordinal);

    public static IReadOnlyList<TensorSpec> Tensors(UNetConfig config)
    {
        var layout = new TensorLayoutBuilder();
        void Transformer(string prefix, long c)
        {
            layout.Norm(prefix + ".norm", c);
            if (config.UseLinearProjection)
                layout.Linear(prefix + ".proj_in", c, c);
            else
                layout.Conv(prefix + ".proj_in", c, c, 1);
            string block = prefix + ".transformer_blocks.0";
            layout.Norm(block + ".norm1", c);
            layout.Linear(block + ".attn1.to_q", c, c, bias: false);
            layout.Linear(block + ".attn1.to_k", c, c, bias: false);
            layout.Linear(block + ".attn1.to_v", c, c, bias: false);
            layout.Linear(block + ".attn1.to_out.0", c, c);
            layout.Norm(block + ".norm2", c);
            layout.Linear(block + ".attn2.to_q", c, c, bias: false);
            layout.Linear(block + ".attn2.to_k", c, config.CrossAttentionDim, bias: false);
            layout.Linear(block + ".attn2.to_v", c, config.CrossAttentionDim, bias: false);
            layout.Linear(block + ".attn2.to_out.0", c, c);
            layout.Norm(block + ".norm3", c);
            layout.Linear(block + ".ff.net.0.proj", c * 8, c);
            layout.Linear(block + ".ff.net.2", c, c * 4);
            if (config.UseLinearProjection)
                layout.Linear(prefix + ".proj_out", c, c);
            else
                layout.Conv(prefix + ".proj_out", c, c, 1);
        }

        var channels = config.BlockOutChannels;
        int blocks = channels.Length,
            last = blocks - 1;
        layout.Conv("conv_in", channels[0], config.InChannels, 3);
        layout.Linear("time_embedding.linear_1", config.TimeEmbedDim, channels[0]);
        layout.Linear("time_embedding.linear_2", config.TimeEmbedDim, config.TimeEmbedDim);

        long output = channels[0];
        for (int i = 0; i < blocks; i++)
        {
            long input = output;
            output = channels[i];
            bool attention = config.DownBlockTypes[i] == UNetConfig.CrossAttnDown;
            for (int j = 0; j < config.LayersPerBlock; j++)
            {
                layout.ResNet($"down_blocks.{i}.resnets.{j}", j == 0 ? input : output, output, config.TimeEmbedDim);
                if (attention)
                    Transformer($"down_blocks.{i}.attentions.{j}", output);
            }
            if (i != last)
                layout.Conv($"down_blocks.{i}.downsamplers.0.conv", output, output, 3);
        }

        long mid = channels[last];
        layout.ResNet("mid_block.resnets.0", mid, mid, config.TimeEmbedDim);
        Transformer("mid_block.attentions.0", mid);
        layout.ResNet("mid_block.resnets.1", mid, mid, config.TimeEmbedDim);

        var reversed = channels.Reverse().ToArray();
        output = reversed[0];
        for (int i = 0; i < blocks; i++)
        {
            long previous = output;
            output = reversed[i];
            long input = reversed[Math.Min(i + 1, last)];
            bool attention = config.UpBlockTypes[i] == UNetConfig.CrossAttnUp;
            for (int j = 0; j <= config.LayersPerBlock; j++)
            {
                long skip = j == config.LayersPerBlock ? input : output;
                long resnetIn = j == 0 ? previous : output;
                layout.ResNet($"up_blocks.{i}.resnets.{j}", resnetIn + skip, output, config.TimeEmbedDim);
                if (attention)
                    Transformer($"up_blocks.{i}.attentions.{j}", output);
            }
            if (i != last)
                layout.Conv($"up_blocks.{i}.upsamplers.0.conv", output, output, 3);
        }

        layout.Norm("conv_norm_out", channels[0]);
        layout.Conv("conv_out", config.OutChannels, channels[0], 3);
        return layout.Specs;
    }

    /// <summary>The cross-attention key and value matrices, in checkpoint order of the layout.</summary>
    public static IReadOnlyList<TensorSpec> CrossAttentionKeysAndValues(UNetConfig config) =>
        Tensors(config).Where(s => IsCrossAttentionKeyOrValue(s.Name)).ToList();
}

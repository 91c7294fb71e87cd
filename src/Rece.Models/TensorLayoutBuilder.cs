namespace Rece.Models;

/// <summary>
/// Collects a checkpoint's tensor specs in diffusers' naming with the shapes of its common layers, so a layout reads
/// like the module tree it describes.
/// </summary>
public sealed class TensorLayoutBuilder
{
    private readonly List<TensorSpec> _specs = new();

    public IReadOnlyList<TensorSpec> Specs => _specs;

    public void Add(string name, params long[] shape) => _specs.Add(new TensorSpec(name, shape));

    /// <summary>A square-kernel Conv2d with bias.</summary>
    public void Conv(string prefix, long outChannels, long inChannels, long kernel)
    {
        Add(prefix + ".weight", outChannels, inChannels, kernel, kernel);
        Add(prefix + ".bias", outChannels);
    }

    public void Linear(string prefix, long outFeatures, long inFeatures, bool bias = true)
    {
        Add(prefix + ".weight", outFeatures, inFeatures);
        if (bias)
            Add(prefix + ".bias", outFeatures);
    }

    /// <summary>A GroupNorm or LayerNorm: weight and bias per channel.</summary>
    public void Norm(string prefix, long channels)
    {
        Add(prefix + ".weight", channels);
        Add(prefix + ".bias", channels);
    }

    /// <summary>diffusers' ResnetBlock2D; <paramref name="timeEmbedding"/> adds the U-Net's time_emb_proj (0: none, as
    /// in the VAE).</summary>
    public void ResNet(string prefix, long inChannels, long outChannels, long timeEmbedding = 0)
    {
        Norm(prefix + ".norm1", inChannels);
        Conv(prefix + ".conv1", outChannels, inChannels, 3);
        if (timeEmbedding > 0)
            Linear(prefix + ".time_emb_proj", outChannels, timeEmbedding);
        Norm(prefix + ".norm2", outChannels);
        Conv(prefix + ".conv2", outChannels, outChannels, 3);
        if (inChannels != outChannels)
            Conv(prefix + ".conv_shortcut", outChannels, inChannels, 1);
    }
}

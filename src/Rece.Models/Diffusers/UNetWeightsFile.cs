namespace Rece.Models.Diffusers;

/// <summary>One safetensors file of the U-Net: the default weights or a variant such as fp16.</summary>
/// <param name="Variant">null for diffusion_pytorch_model.safetensors, "fp16" for
/// diffusion_pytorch_model.fp16.safetensors.</param>
public sealed record UNetWeightsFile(string Path, string? Variant)
{
    public string FileName => System.IO.Path.GetFileName(Path);
}

namespace Rece.Generation;

/// <summary>The dtype the U-Net and the VAE compute in. The text encoder and the latents stay float32 (cheap, and more
/// exact).</summary>
public enum Precision
{
    Fp32,
    Fp16,
    Bf16,
}

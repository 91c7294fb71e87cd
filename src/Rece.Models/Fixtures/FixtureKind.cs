namespace Rece.Models.Fixtures;

public enum FixtureKind
{
    /// <summary>SD v1.x layout, d = 32: seconds to build and erase; the README demo and the tests.</summary>
    Tiny,

    /// <summary>SD v2.x layout (gelu text encoder, pad token "!", linear projections, per-block head dims), d =
    /// 48.</summary>
    TinyV2,

    /// <summary>The exact tensor shapes of CompVis/stable-diffusion-v1-4 (CLIP ViT-L/14 text encoder, 3.4 GB
    /// U-Net).</summary>
    StableDiffusionV14,

    /// <summary>The exact tensor shapes of stabilityai/stable-diffusion-2-1 (OpenCLIP ViT-H text encoder, d =
    /// 1024).</summary>
    StableDiffusionV2,
}

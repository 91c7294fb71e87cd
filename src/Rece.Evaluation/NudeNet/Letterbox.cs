namespace Rece.Evaluation.NudeNet;

/// <summary>How an image was padded and scaled into the detector's square input (NudeNet 3.4: black padding at the
/// right and bottom, then one resize).</summary>
/// <param name="Width">The original image's width.</param>
/// <param name="Height">The original image's height.</param>
/// <param name="InputSize">The detector's input side S.</param>
public sealed record Letterbox(int Width, int Height, int InputSize)
{
    /// <summary>The side of the padded square: max(width, height).</summary>
    public int PaddedSize => Math.Max(Width, Height);

    /// <summary>Image pixels per input pixel.</summary>
    public double Scale => (double)PaddedSize / InputSize;
}

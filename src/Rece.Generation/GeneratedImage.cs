namespace Rece.Generation;

/// <summary>A generated RGB image, 8 bits per channel, rows top to bottom.</summary>
public sealed record GeneratedImage(int Width, int Height, byte[] Rgb, ImageTimings Timings)
{
    public byte[] EncodePng() => PngImage.Encode(Width, Height, Rgb);
}

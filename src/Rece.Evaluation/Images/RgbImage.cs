using SkiaSharp;

namespace Rece.Evaluation.Images;

/// <summary>An 8-bit RGB image, row-major, 3 bytes per pixel: what the detector and CLIP read and the report
/// shows.</summary>
public sealed class RgbImage
{
    public RgbImage(int width, int height, byte[] pixels)
    {
        if (width <= 0 || height <= 0)
            throw new ArgumentOutOfRangeException(
                nameof(width),
                $"An image needs a positive size, got {width} x {height}."
            );
        if (pixels.Length != (long)width * height * 3)
            throw new ArgumentException(
                $"A {width} x {height} RGB image needs {(long)width * height * 3} bytes, got {pixels.Length}.",
                nameof(pixels)
            );
        Width = width;
        Height = height;
        Pixels = pixels;
    }

    public int Width { get; }

    public int Height { get; }

    /// <summary>R, G, B of pixel (x, y) at 3 * (y * Width + x).</summary>
    public byte[] Pixels { get; }

    public static RgbImage Filled(int width, int height, byte r, byte g, byte b)
    {
        var pixels = new byte[width * height * 3];
        for (int i = 0; i < pixels.Length; i += 3)
        {
            pixels[i] = r;
            pixels[i + 1] = g;
            pixels[i + 2] = b;
        }
        return new RgbImage(width, height, pixels);
    }

    public byte this[int x, int y, int channel] => Pixels[3 * (y * Width + x) + channel];

    /// <summary>Paints a rectangle (clipped to the image).</summary>
    public void Fill(int x, int y, int width, int height, byte r, byte g, byte b)
    {
        for (int yy = Math.Max(0, y); yy < Math.Min(Height, y + height); yy++)
        {
            for (int xx = Math.Max(0, x); xx < Math.Min(Width, x + width); xx++)
            {
                int i = 3 * (yy * Width + xx);
                Pixels[i] = r;
                Pixels[i + 1] = g;
                Pixels[i + 2] = b;
            }
        }
    }

    /// <summary>Decodes PNG, JPEG, WebP, ... with SkiaSharp. Alpha is dropped, not blended, as PIL's convert("RGB") and
    /// OpenCV's imread do.</summary>
    public static RgbImage Decode(byte[] encoded, string source)
    {
        using var data = SKData.CreateCopy(encoded);
        using var codec = SKCodec.Create(data)
            ?? throw new EvaluationInputException(
                $"{source} is not an image SkiaSharp can decode (PNG, JPEG, WebP, BMP, GIF)."
            );
        var info = new SKImageInfo(codec.Info.Width, codec.Info.Height, SKColorType.Rgba8888, SKAlphaType.Unpremul);
        var rgba = new byte[info.BytesSize];
        unsafe
        {
            fixed (byte* p = rgba)
            {
                var result = codec.GetPixels(info, (IntPtr)p);
                if (result is not (SKCodecResult.Success or SKCodecResult.IncompleteInput))
                    throw new EvaluationInputException($"{source} could not be decoded: {result}.");
            }
        }
        var rgb = new byte[info.Width * info.Height * 3];
        for (int i = 0, j = 0; i < rgb.Length; i += 3, j += 4)
        {
            rgb[i] = rgba[j];
            rgb[i + 1] = rgba[j + 1];
            rgb[i + 2] = rgba[j + 2];
        }
        return new RgbImage(info.Width, info.Height, rgb);
    }

    public static RgbImage Load(string path)
    {
        if (!File.Exists(path))
            throw new EvaluationInputException($"Image file {path} does not exist.");
        return Decode(File.ReadAllBytes(path), path);
    }

    /// <summary>Lossless PNG (opaque).</summary>
    public byte[] EncodePng()
    {
        var info = new SKImageInfo(Width, Height, SKColorType.Rgba8888, SKAlphaType.Opaque);
        var rgba = new byte[info.BytesSize];
        for (int i = 0, j = 0; i < Pixels.Length; i += 3, j += 4)
        {
            rgba[j] = Pixels[i];
            rgba[j + 1] = Pixels[i + 1];
            rgba[j + 2] = Pixels[i + 2];
            rgba[j + 3] = 255;
        }
        using var bitmap = new SKBitmap();
        unsafe
        {
            fixed (byte* p = rgba)
            {
                bitmap.InstallPixels(info, (IntPtr)p, info.RowBytes);
                using var image = SKImage.FromBitmap(bitmap);
                using var encoded = image.Encode(SKEncodedImageFormat.Png, 100);
                return encoded.ToArray();
            }
        }
    }

    /// <summary>Writes a PNG under a temporary name, then renames it into place.</summary>
    public void SavePng(string path)
    {
        string temporary = path + ".partial";
        File.WriteAllBytes(temporary, EncodePng());
        File.Move(temporary, path, overwrite: true);
    }
}

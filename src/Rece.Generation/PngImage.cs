using SkiaSharp;

namespace Rece.Generation;

/// <summary>PNG encoding and decoding of 8-bit RGB images with SkiaSharp (lossless, deterministic).</summary>
public static class PngImage
{
    public static byte[] Encode(int width, int height, byte[] rgb)
    {
        if (width <= 0 || height <= 0 || rgb.Length != (long)width * height * 3)
            throw new ArgumentException(
                $"An RGB image of {width}x{height} needs {(long)width * height * 3} bytes, got {rgb.Length}.",
                nameof(rgb)
            );
        var rgba = new byte[width * height * 4];
        for (int i = 0, j = 0; i < rgb.Length; i += 3, j += 4)
        {
            rgba[j] = rgb[i];
            rgba[j + 1] = rgb[i + 1];
            rgba[j + 2] = rgb[i + 2];
            rgba[j + 3] = 255;
        }
        var info = new SKImageInfo(width, height, SKColorType.Rgba8888, SKAlphaType.Opaque);
        using var image = SKImage.FromPixelCopy(info, rgba, info.RowBytes)
            ?? throw new InvalidOperationException("SkiaSharp could not wrap the pixels.");
        using var data = image.Encode(SKEncodedImageFormat.Png, 100)
            ?? throw new InvalidOperationException("SkiaSharp could not encode the PNG.");
        return data.ToArray();
    }

    /// <summary>Width, height and RGB bytes of a PNG file.</summary>
    public static (int Width, int Height, byte[] Rgb) Decode(byte[] png)
    {
        using var bitmap = SKBitmap.Decode(png) ?? throw new InvalidDataException("Not a decodable image.");
        using var rgba = bitmap.Copy(SKColorType.Rgba8888)
            ?? throw new InvalidDataException("Cannot convert the image to RGBA.");
        var pixels = rgba.Bytes;
        var rgb = new byte[rgba.Width * rgba.Height * 3];
        for (int i = 0, j = 0; j < rgb.Length; i += 4, j += 3)
        {
            rgb[j] = pixels[i];
            rgb[j + 1] = pixels[i + 1];
            rgb[j + 2] = pixels[i + 2];
        }
        return (rgba.Width, rgba.Height, rgb);
    }

    /// <summary>Writes the PNG under a temporary name beside <paramref name="path"/> and renames it into place, so
    /// <paramref name="path"/> is never half-written.</summary>
    public static void WriteAtomically(string path, byte[] png)
    {
        string temporary = Path.Combine(
            Path.GetDirectoryName(Path.GetFullPath(path))!,
            $".{Path.GetFileName(path)}.partial-{Guid.NewGuid():N}"
        );
        try
        {
            using (var stream = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write))
            {
                stream.Write(png);
                stream.Flush(flushToDisk: true);
            }
            File.Move(temporary, path, overwrite: true);
        }
        finally
        {
            if (File.Exists(temporary))
                File.Delete(temporary);
        }
    }
}

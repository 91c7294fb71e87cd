namespace Rece.Evaluation.Images;

/// <summary>
/// The two resizes the metrics are defined with, reproduced here because the metrics' numbers depend on them and
/// SkiaSharp's samplers follow neither: NudeNet resizes with OpenCV's bilinear (half-pixel centres, no antialiasing),
/// CLIP's image processor with PIL's bicubic, whose kernel widens with the downscale factor (antialiasing) and rounds
/// to 8 bits between its horizontal and vertical passes.
/// </summary>
public static class Resampling
{
    /// <summary>
    /// cv2.resize(..., INTER_LINEAR) of an 8-bit image: source coordinate (d + 0.5) * in/out - 0.5, clamped to the
    /// edge. Computed in floating point and rounded once; OpenCV's 11-bit fixed-point weights can differ by one level.
    /// </summary>
    public static RgbImage BilinearOpenCv(RgbImage source, int width, int height)
    {
        var (x0, x1, wx) = LinearTaps(source.Width, width);
        var (y0, y1, wy) = LinearTaps(source.Height, height);
        var output = new byte[width * height * 3];
        var src = source.Pixels;
        int stride = source.Width * 3;
        for (int y = 0; y < height; y++)
        {
            int r0 = y0[y] * stride,
                r1 = y1[y] * stride;
            double b = wy[y];
            for (int x = 0; x < width; x++)
            {
                int c0 = x0[x] * 3,
                    c1 = x1[x] * 3;
                double a = wx[x];
                for (int c = 0; c < 3; c++)
                {
                    double top = src[r0 + c0 + c] * (1 - a) + src[r0 + c1 + c] * a;
                    double bottom = src[r1 + c0 + c] * (1 - a) + src[r1 + c1 + c] * a;
                    output[3 * (y * width + x) + c] = ToByte(top * (1 - b) + bottom * b);
                }
            }
        }
        return new RgbImage(width, height, output);
    }

    private static (int[] Low, int[] High, double[] Weight) LinearTaps(int inSize, int outSize)
    {
        var low = new int[outSize];
        var high = new int[outSize];
        var weight = new double[outSize];
        double scale = (double)inSize / outSize;
        for (int d = 0; d < outSize; d++)
        {
            double f = (d + 0.5) * scale - 0.5;
            int s = (int)Math.Floor(f);
            double frac = f - s;
            if (s < 0)
            {
                s = 0;
                frac = 0;
            }
            if (s >= inSize - 1)
            {
                s = inSize - 1;
                frac = 0;
            }
            low[d] = s;
            high[d] = Math.Min(s + 1, inSize - 1);
            weight[d] = frac;
        }
        return (low, high, weight);
    }

    private static byte ToByte(double value) =>
        (byte)Math.Clamp(Math.Round(value, MidpointRounding.AwayFromZero), 0, 255);

    // PIL's 8-bit resampling (libImaging/Resample.c): coefficients in fixed point with 22 fractional bits.
    private const int PrecisionBits = 32 - 8 - 2;

    /// <summary>
    /// PIL's Image.resize(size, Image.BICUBIC) of an RGB image, bit for bit: the cubic kernel (a = -0.5) widened by the
    /// downscale factor, normalized per output pixel, in 22-bit fixed point, horizontal pass first, 8-bit rounding
    /// between passes. An unchanged size is a copy, as in PIL.
    /// </summary>
    public static RgbImage BicubicPil(RgbImage source, int width, int height) =>
        Pil(source, width, height, PilFilter.Bicubic);

    /// <summary>PIL's Image.resize(size, Image.BILINEAR) (torchvision's Resize on a PIL image), bit for bit: the
    /// triangle kernel, otherwise as <see cref="BicubicPil"/>.</summary>
    public static RgbImage BilinearPil(RgbImage source, int width, int height) =>
        Pil(source, width, height, PilFilter.Bilinear);

    internal enum PilFilter
    {
        Bilinear,
        Bicubic,
    }

    private static RgbImage Pil(RgbImage source, int width, int height, PilFilter filter)
    {
        var image = source;
        if (width != source.Width)
            image = PilPass(image, width, horizontal: true, filter);
        if (height != source.Height)
            image = PilPass(image, height, horizontal: false, filter);
        return ReferenceEquals(image, source)
            ? new RgbImage(source.Width, source.Height, (byte[])source.Pixels.Clone())
            : image;
    }

    private static double Triangle(double x)
    {
        x = Math.Abs(x);
        return x < 1.0 ? 1.0 - x : 0.0;
    }

    private static double Cubic(double x)
    {
        const double a = -0.5;
        x = Math.Abs(x);
        if (x < 1.0)
            return ((a + 2.0) * x - (a + 3.0)) * x * x + 1;
        if (x < 2.0)
            return (((x - 5) * x + 8) * x - 4) * a;
        return 0.0;
    }

    /// <summary>Per output index: the first source index, the tap count and the fixed-point weights (PIL's
    /// precompute_coeffs + normalize_coeffs_8bpc).</summary>
    internal static (int[] Start, int[] Count, int[][] Weights) PilCoefficients(
        int inSize,
        int outSize,
        PilFilter filter = PilFilter.Bicubic
    )
    {
        double support0 = filter == PilFilter.Bicubic ? 2.0 : 1.0;
        Func<double, double> kernel = filter == PilFilter.Bicubic ? Cubic : Triangle;
        double scale = (double)inSize / outSize;
        double filterScale = Math.Max(scale, 1.0);
        double support = support0 * filterScale;
        var start = new int[outSize];
        var count = new int[outSize];
        var weights = new int[outSize][];
        for (int xx = 0; xx < outSize; xx++)
        {
            double center = (xx + 0.5) * scale;
            double ss = 1.0 / filterScale;
            // C casts truncate toward zero.
            int xmin = (int)(center - support + 0.5);
            if (xmin < 0)
                xmin = 0;
            int xmax = (int)(center + support + 0.5);
            if (xmax > inSize)
                xmax = inSize;
            xmax -= xmin;
            var k = new double[xmax];
            double ww = 0;
            for (int x = 0; x < xmax; x++)
            {
                double w = kernel((x + xmin - center + 0.5) * ss);
                k[x] = w;
                ww += w;
            }
            var fixedPoint = new int[xmax];
            for (int x = 0; x < xmax; x++)
            {
                double normalized = ww != 0.0 ? k[x] / ww : k[x];
                fixedPoint[x] =
                    normalized < 0
                        ? (int)(-0.5 + normalized * (1 << PrecisionBits))
                        : (int)(0.5 + normalized * (1 << PrecisionBits));
            }
            start[xx] = xmin;
            count[xx] = xmax;
            weights[xx] = fixedPoint;
        }
        return (start, count, weights);
    }

    private static byte Clip8(int value)
    {
        if (value >= (1 << PrecisionBits << 8))
            return 255;
        if (value <= 0)
            return 0;
        return (byte)(value >> PrecisionBits);
    }

    private static RgbImage PilPass(RgbImage input, int outSize, bool horizontal, PilFilter filter)
    {
        int inSize = horizontal ? input.Width : input.Height;
        var (start, count, weights) = PilCoefficients(inSize, outSize, filter);
        int width = horizontal ? outSize : input.Width;
        int height = horizontal ? input.Height : outSize;
        var output = new byte[width * height * 3];
        var src = input.Pixels;
        for (int y = 0; y < height; y++)
        {
            for (int x = 0; x < width; x++)
            {
                int o = horizontal ? x : y;
                var k = weights[o];
                for (int c = 0; c < 3; c++)
                {
                    int sum = 1 << (PrecisionBits - 1);
                    for (int t = 0; t < count[o]; t++)
                    {
                        int sx = horizontal ? start[o] + t : x;
                        int sy = horizontal ? y : start[o] + t;
                        sum += src[3 * (sy * input.Width + sx) + c] * k[t];
                    }
                    output[3 * (y * width + x) + c] = Clip8(sum);
                }
            }
        }
        return new RgbImage(width, height, output);
    }
}

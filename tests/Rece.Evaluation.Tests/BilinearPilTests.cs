using Rece.Evaluation.Images;

namespace Rece.Evaluation.Tests;

/// <summary>
/// PIL's bilinear resize (torchvision's Resize on PIL images, which the ImageNet classifier's preprocessing uses),
/// pinned to Pillow 9.4's own output: pixel (x, y, c) = (7x + 13y + 29c + xy) mod 256 on a 37 x 23 image, resized down,
/// up and to a mixed shape with Image.BILINEAR (values read with Debian's python3-pil).
/// </summary>
public class BilinearPilTests
{
    [Theory]
    [InlineData(16, 11, 67444L, 710470L, new[] { 17, 46, 75 }, new[] { 107, 136, 165 }, new[] { 123, 83, 74 })]
    [InlineData(80, 50, 1533599L, 255234L, new[] { 0, 29, 58 }, new[] { 105, 134, 163 }, new[] { 50, 79, 108 })]
    [InlineData(256, 341, 33467304L, 40859L, new[] { 0, 29, 58 }, new[] { 100, 129, 158 }, new[] { 50, 79, 108 })]
    public void MatchesPillow(int width, int height, long sum, long weighted, int[] first, int[] middle, int[] last)
    {
        var pixels = new byte[23 * 37 * 3];
        for (int y = 0; y < 23; y++)
        for (int x = 0; x < 37; x++)
        for (int c = 0; c < 3; c++)
            pixels[3 * (y * 37 + x) + c] = (byte)((x * 7 + y * 13 + c * 29 + x * y) % 256);

        var resized = Resampling.BilinearPil(new RgbImage(37, 23, pixels), width, height);

        const long Modulus = 1000003;
        Assert.Equal(sum, resized.Pixels.Sum(p => (long)p));
        Assert.Equal(weighted, resized.Pixels.Select((p, i) => p * (long)i % Modulus).Sum() % Modulus);
        int[] At(int x, int y) => Enumerable.Range(0, 3).Select(c => (int)resized[x, y, c]).ToArray();
        Assert.Equal(first, At(0, 0));
        Assert.Equal(middle, At(width / 3, height / 2));
        Assert.Equal(last, At(width - 1, height - 1));
    }
}

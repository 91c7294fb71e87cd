using Rece.Evaluation.Images;

namespace Rece.Evaluation.Tests;

/// <summary>A few PNG images "of a concept" for the few-shot method: patterned, each of another size (the method
/// resizes them to its training size).</summary>
public static class ConceptImages
{
    public static void Write(string folder, int count = 4, int seed = 5)
    {
        Directory.CreateDirectory(folder);
        var random = new Random(seed);
        for (int i = 0; i < count; i++)
        {
            var image = RgbImage.Filled(48 + 8 * i, 40, 200, 120, 40);
            for (int y = 0; y < image.Height; y += 8)
            for (int x = (y / 8) % 2 * 8; x < image.Width; x += 16)
                image.Fill(x, y, 8, 8, (byte)random.Next(256), (byte)random.Next(256), (byte)random.Next(256));
            image.SavePng(Path.Combine(folder, $"cat-{i}.png"));
        }
    }
}

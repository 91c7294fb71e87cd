using System.Security.Cryptography;
using Rece.Evaluation.Clip;
using Rece.Evaluation.Images;
using Rece.Models;

namespace Rece.Evaluation.Tests;

public sealed class ClipScoreTests : IDisposable
{
    private readonly TempFolder _temp = new();

    private static RgbImage Pattern(int width, int height, int seed = 0)
    {
        var pixels = new byte[width * height * 3];
        for (int y = 0; y < height; y++)
        {
            for (int x = 0; x < width; x++)
            {
                int i = 3 * (y * width + x);
                pixels[i] = (byte)((x * 37 + y * 11 + seed) % 256);
                pixels[i + 1] = (byte)((x * x + 3 * y) % 256);
                pixels[i + 2] = (byte)((x * y * 7 + 5) % 256);
            }
        }
        return new RgbImage(width, height, pixels);
    }

    [Fact]
    public void Parameter_counts_match_the_published_CLIPModel_sizes()
    {
        static long Count(ClipModelConfig c) => c.Layout().Sum(s => s.ElementCount);
        Assert.Equal(151_277_313, Count(ClipModelConfig.VitB32));
        Assert.Equal(427_616_513, Count(ClipModelConfig.VitL14));
        // SD v1.x's text encoder
        Assert.Equal(123_060_480, ClipModelConfig.VitL14.Text.Layout().Sum(s => s.ElementCount));
        Assert.Equal(257, ClipModelConfig.VitL14.Vision.Positions);
        Assert.Equal(50, ClipModelConfig.VitB32.Vision.Positions);
    }

    [Theory]
    // Expected bytes: Pillow 9.4 (Debian python3-pil), Image.resize(size, Image.BICUBIC) of the same 37 x 23 pattern.
    [InlineData(16, 10, "2a400a01dd9940329c68156087ae7f1220b34c632466003f85647f4d5423245a")]
    [InlineData(50, 31, "1319b5fee5a97920abf9c34d30360393acba5558309a40121039266b62f2aa48")]
    [InlineData(224, 224, "d8d818648b42c6f6f3f81013be360124c97b41110b83df2ccb60ec93d93bb66e")]
    [InlineData(37, 12, "7286db4cc705b5d72565cfa1f641b33bc2c986166a43722e057800a9b2a860ca")]
    public void Bicubic_resize_is_bit_identical_to_Pillow(int width, int height, string sha256)
    {
        var resized = Resampling.BicubicPil(Pattern(37, 23), width, height);
        Assert.Equal(sha256, Convert.ToHexStringLower(SHA256.HashData(resized.Pixels)));
    }

    [Fact]
    public void Preprocessing_resizes_the_shortest_side_crops_the_centre_and_normalizes()
    {
        var p = new ClipImagePreprocessor();
        Assert.Equal((298, 224), p.ResizedSize(512, 384));
        Assert.Equal((224, 298), p.ResizedSize(384, 512));
        var image = Pattern(224, 224);
        var planes = p.Process(image);
        Assert.Equal(3 * 224 * 224, planes.Length);
        for (int c = 0; c < 3; c++)
        {
            double expected =
                (image[10, 20, c] / 255.0 - ClipImagePreprocessor.ClipMean[c]) / ClipImagePreprocessor.ClipStd[c];
            Assert.Equal(expected, planes[c * 224 * 224 + 20 * 224 + 10], 5);
        }
        // A wide image: resized to 298 x 224, then columns 37..260 kept.
        var wide = Pattern(512, 384, seed: 3);
        var resized = Resampling.BicubicPil(wide, 298, 224);
        var cropped = p.Process(wide);
        Assert.Equal(
            (resized[37, 0, 0] / 255.0 - ClipImagePreprocessor.ClipMean[0]) / ClipImagePreprocessor.ClipStd[0],
            cropped[0],
            5
        );
    }

    [Fact]
    public void Score_matches_an_independent_forward_pass()
    {
        string folder = Path.Combine(_temp.Path, "clip");
        TinyClip.Write(folder, TinyClip.Config, seed: 5);
        using var scorer = ClipScorer.Load(folder);
        using var reference = new ClipReference(folder);
        var images = new[] { Pattern(224, 224), Pattern(224, 224, seed: 90) };
        var prompts = new[] { "a photo of a cat", "an oil painting of a starry night over the countryside" };
        var scores = scorer.Score(images, prompts);
        for (int i = 0; i < 2; i++)
            Assert.Equal(reference.Score(images[i], prompts[i], scorer.Tokenizer), scores[i], 3);
        Assert.NotEqual(scores[0], scores[1]);
        Assert.InRange(Math.Abs(scores[0]), 0, 100);
        // One pair at a time gives the same as a batch.
        Assert.Equal(scores[1], scorer.Score(images[1], prompts[1]), 4);
    }

    [Fact]
    public void Loading_is_strict_and_names_the_problem()
    {
        string folder = Path.Combine(_temp.Path, "clip-bad");
        var config = TinyClip.Config;
        TinyClip.Write(folder, config with { ProjectionDim = 8 });
        // The config now disagrees with the weights' projection size.
        Rece.Models.Configuration.JsonConfig.Write(Path.Combine(folder, "config.json"), config.ToJson());
        var error = Assert.Throws<ModelFormatException>(() => ClipScorer.Load(folder));
        Assert.Contains("visual_projection.weight", error.Message);

        var missing = Assert.Throws<EvaluationInputException>(() =>
            ClipScorer.Load(Path.Combine(_temp.Path, "absent"))
        );
        Assert.Contains("openai/clip-vit-large-patch14", missing.Message);
        Directory.CreateDirectory(Path.Combine(_temp.Path, "empty"));
        Assert.Contains(
            "config.json",
            Assert.Throws<EvaluationInputException>(() => ClipScorer.Load(Path.Combine(_temp.Path, "empty"))).Message
        );
    }

    public void Dispose() => _temp.Dispose();
}

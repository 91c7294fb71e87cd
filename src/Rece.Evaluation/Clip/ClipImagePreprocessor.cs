using System.Text.Json;
using System.Text.Json.Nodes;
using Rece.Evaluation.Images;
using Rece.Models;

namespace Rece.Evaluation.Clip;

/// <summary>
/// transformers' CLIPImageProcessor: shortest side resized to <see cref="ShortestEdge"/> with PIL's bicubic, centre
/// crop to <see cref="CropSize"/>, scaled to 0..1, normalized with CLIP's mean and standard deviation.
/// </summary>
public sealed record ClipImagePreprocessor
{
    public const string FileName = "preprocessor_config.json";

    public static readonly double[] ClipMean = { 0.48145466, 0.4578275, 0.40821073 };
    public static readonly double[] ClipStd = { 0.26862954, 0.26130258, 0.27577711 };

    public int ShortestEdge { get; init; } = 224;
    public int CropSize { get; init; } = 224;
    public IReadOnlyList<double> Mean { get; init; } = ClipMean;
    public IReadOnlyList<double> Std { get; init; } = ClipStd;

    /// <summary>Reads preprocessor_config.json when the folder has one; otherwise CLIP's defaults at the vision tower's
    /// image size.</summary>
    public static ClipImagePreprocessor Load(string directory, int imageSize)
    {
        string path = Path.Combine(directory, FileName);
        var defaults = new ClipImagePreprocessor { ShortestEdge = imageSize, CropSize = imageSize };
        if (!File.Exists(path))
            return defaults;
        JsonObject root;
        try
        {
            root =
                JsonNode.Parse(File.ReadAllText(path)) as JsonObject
                ?? throw new ModelFormatException($"{path} must hold a JSON object.");
        }
        catch (JsonException e)
        {
            throw new ModelFormatException($"{path} is not valid JSON: {e.Message}");
        }
        try
        {
            int resample = root["resample"]?.GetValue<int>() ?? 3;
            if (resample != 3)
                throw new ModelFormatException(
                    $"{path}: resample {resample} is not supported; CLIP's processor uses 3 (bicubic)."
                );
            foreach (var flag in new[] { "do_resize", "do_center_crop", "do_normalize", "do_rescale" })
            {
                if (root[flag] is JsonValue v && !v.GetValue<bool>())
                    throw new ModelFormatException(
                        $"{path}: {flag} = false is not supported; the CLIP score uses CLIP's full preprocessing."
                    );
            }
            int shortest = root["size"] switch
            {
                JsonObject size => size["shortest_edge"]?.GetValue<int>()
                    ?? throw new ModelFormatException($"{path}: \"size\" needs \"shortest_edge\"."),
                JsonValue size => size.GetValue<int>(),
                _ => imageSize,
            };
            int crop = root["crop_size"] switch
            {
                JsonObject size => size["height"]?.GetValue<int>() is int h && size["width"]?.GetValue<int>() is int w
                    ? (h == w ? h : throw new ModelFormatException($"{path}: a {w} x {h} crop is not square."))
                    : throw new ModelFormatException($"{path}: \"crop_size\" needs \"height\" and \"width\"."),
                JsonValue size => size.GetValue<int>(),
                _ => imageSize,
            };
            if (crop != imageSize)
                throw new ModelFormatException(
                    $"{path}: crop size {crop} differs from the vision tower's image_size {imageSize}."
                );
            if (shortest < crop)
                throw new ModelFormatException(
                    $"{path}: the resize target {shortest} is smaller than the crop {crop}."
                );
            var mean = root["image_mean"] is JsonArray m ? m.Select(x => x!.GetValue<double>()).ToArray() : ClipMean;
            var std = root["image_std"] is JsonArray s ? s.Select(x => x!.GetValue<double>()).ToArray() : ClipStd;
            if (mean.Length != 3 || std.Length != 3 || std.Any(x => !(x > 0)))
                throw new ModelFormatException($"{path}: image_mean and image_std need 3 entries each, std positive.");
            return new ClipImagePreprocessor
            {
                ShortestEdge = shortest,
                CropSize = crop,
                Mean = mean,
                Std = std,
            };
        }
        catch (Exception e) when (e is InvalidOperationException or FormatException or NullReferenceException)
        {
            throw new ModelFormatException($"{path} has a field of the wrong type ({e.Message}).");
        }
    }

    /// <summary>The size after resizing the shortest side (transformers' get_resize_output_image_size: the long side
    /// truncated).</summary>
    public (int Width, int Height) ResizedSize(int width, int height) =>
        width <= height
            ? (ShortestEdge, (int)((long)ShortestEdge * height / width))
            : ((int)((long)ShortestEdge * width / height), ShortestEdge);

    /// <summary>[3, crop, crop] float32, channel planes.</summary>
    public float[] Process(RgbImage image)
    {
        var (w, h) = ResizedSize(image.Width, image.Height);
        var resized = Resampling.BicubicPil(image, w, h);
        int top = (h - CropSize) / 2,
            left = (w - CropSize) / 2;
        int plane = CropSize * CropSize;
        var output = new float[3 * plane];
        for (int y = 0; y < CropSize; y++)
        {
            for (int x = 0; x < CropSize; x++)
            {
                for (int c = 0; c < 3; c++)
                {
                    // As transformers: rescale in float32, then normalize.
                    float value = resized[left + x, top + y, c] * (float)(1 / 255.0);
                    output[c * plane + y * CropSize + x] = (float)((value - (float)Mean[c]) / (float)Std[c]);
                }
            }
        }
        return output;
    }
}

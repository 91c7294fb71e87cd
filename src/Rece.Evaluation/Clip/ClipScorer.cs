using Rece.Evaluation.Images;
using Rece.Models;
using Rece.Models.Devices;
using Rece.Models.Loading;
using Rece.Models.Safetensors;
using Rece.Models.TextEncoder;
using Rece.Models.Tokenization;
using static TorchSharp.torch;

namespace Rece.Evaluation.Clip;

/// <summary>
/// CLIP score: 100 x the cosine between a CLIP model's image embedding and prompt embedding, as the RECE reference
/// computes it (logits_per_image of transformers' CLIPModel; OpenAI CLIP's learned scale exp(logit_scale) is exactly
/// 100). Loads a Hugging Face CLIPModel folder (config.json, model.safetensors, tokenizer files), strictly.
/// </summary>
public sealed class ClipScorer : IDisposable
{
    public const string DownloadHint =
        "download openai/clip-vit-large-patch14 in the Hugging Face layout (huggingface-cli download openai/clip-vit-large-patch14 --local-dir clip-vit-large-patch14 --include \"*.json\" \"*.txt\" \"model.safetensors\")";

    public const double Scale = 100.0;
    public const int BatchSize = 16;

    private readonly Tensor _textProjection;

    private ClipScorer(
        ClipModelConfig config,
        ClipTokenizer tokenizer,
        ClipTextEncoder text,
        ClipVisionEncoder vision,
        Tensor textProjection,
        ClipImagePreprocessor preprocessor,
        string directory
    )
    {
        Config = config;
        Tokenizer = tokenizer;
        Text = text;
        Vision = vision;
        _textProjection = textProjection;
        Preprocessor = preprocessor;
        Directory = directory;
    }

    public ClipModelConfig Config { get; }

    public ClipTokenizer Tokenizer { get; }

    public ClipTextEncoder Text { get; }

    public ClipVisionEncoder Vision { get; }

    public ClipImagePreprocessor Preprocessor { get; }

    public string Directory { get; }

    /// <summary>Loads the model's towers in float32 on <paramref name="device"/> (the sampler's, so images need not
    /// move; default: the CPU).</summary>
    public static ClipScorer Load(string directory, Device? device = null)
    {
        if (!System.IO.Directory.Exists(directory))
            throw new EvaluationInputException($"CLIP model folder {directory} does not exist; {DownloadHint}.");
        string configPath = Path.Combine(directory, "config.json");
        string weightsPath = Path.Combine(directory, "model.safetensors");
        if (!File.Exists(configPath))
            throw new EvaluationInputException(
                $"{directory} has no config.json: it is not a CLIP model in the Hugging Face layout; {DownloadHint}."
            );
        if (!File.Exists(weightsPath))
            throw new EvaluationInputException(
                File.Exists(Path.Combine(directory, "pytorch_model.bin"))
                    ? $"{directory} has only pickle weights (pytorch_model.bin), which this tool does not load (unpickling can run code); download model.safetensors too."
                    : $"{directory} has no model.safetensors; {DownloadHint}."
            );
        var config = ClipModelConfig.Load(configPath);
        var tokenizer = ClipTokenizer.FromFolder(directory);
        if (tokenizer.VocabularySize != config.Text.VocabSize)
            throw new ModelFormatException(
                $"{directory}: the tokenizer has {tokenizer.VocabularySize} tokens, the text tower {config.Text.VocabSize}."
            );
        var preprocessor = ClipImagePreprocessor.Load(directory, config.Vision.ImageSize);

        var expected = config.Layout();
        var weights = new Dictionary<string, Tensor>();
        try
        {
            using (var file = SafetensorsFile.Open(weightsPath))
            {
                var names = expected.Select(s => s.Name).ToHashSet();
                var unexpected = file
                    .Tensors.Select(t => t.Name)
                    .Where(n => !names.Contains(n) && !ClipModelConfig.IgnoredBuffers.Contains(n))
                    .ToList();
                if (unexpected.Count > 0)
                    throw new ModelFormatException(
                        $"{weightsPath} holds tensors a {ClipModelConfig.Architecture} with {configPath} does not have: {string.Join(", ", unexpected.Take(5))}"
                            + (unexpected.Count > 5 ? $" and {unexpected.Count - 5} more" : "")
                            + "."
                    );
                foreach (var spec in expected)
                {
                    if (!file.TryGet(spec.Name, out var info))
                        throw new ModelFormatException(
                            $"{weightsPath} lacks the tensor {spec.Name} that {configPath} implies."
                        );
                    if (!info.Shape.SequenceEqual(spec.Shape))
                        throw new ModelFormatException(
                            $"{weightsPath}: tensor {spec.Name} has shape {TensorShape.Format(info.Shape)}, but {configPath} implies {TensorShape.Format(spec.Shape)}."
                        );
                    weights[spec.Name] = StrictWeights
                        .ToDevice(TorchTensors.ReadFloat32(file, info), ScalarType.Float32, device)
                        .DetachFromDisposeScope();
                }
            }
            var textNames = config.Text.Layout().Select(s => s.Name).ToHashSet();
            var visionNames = config
                .Vision.Layout()
                .Select(s => s.Name)
                .Append(ClipVisionEncoder.ProjectionName)
                .ToHashSet();
            var text = ClipTextEncoder.FromWeights(
                config.Text,
                weights.Where(kv => textNames.Contains(kv.Key)).ToDictionary()
            );
            var vision = ClipVisionEncoder.FromWeights(
                config.Vision,
                config.ProjectionDim,
                weights.Where(kv => visionNames.Contains(kv.Key)).ToDictionary()
            );
            weights["logit_scale"].Dispose();
            return new ClipScorer(
                config,
                tokenizer,
                text,
                vision,
                weights["text_projection.weight"],
                preprocessor,
                Path.GetFullPath(directory)
            );
        }
        catch
        {
            foreach (var w in weights.Values)
                w.Dispose();
            throw;
        }
    }

    /// <summary>text_embeds [n, projection_dim]: the last hidden state at each prompt's EOS token, projected.</summary>
    public Tensor EmbedTexts(IReadOnlyList<string> prompts)
    {
        using var scope = NewDisposeScope();
        var tokenized = prompts.Select(Tokenizer.Encode).ToList();
        var hidden = Text.Encode(tokenized.Select(t => t.Ids).ToList());
        // The EOS token follows the kept word tokens (transformers pools at the argmax id, the first EOS).
        var eos = tensor(tokenized.Select(t => (long)t.WordCount + 1).ToArray()).to(hidden.device);
        var pooled = hidden[arange(prompts.Count, device: hidden.device), eos];
        return pooled.matmul(_textProjection.t()).MoveToOuterDisposeScope();
    }

    /// <summary>image_embeds [n, projection_dim].</summary>
    public Tensor EmbedImages(IReadOnlyList<RgbImage> images)
    {
        using var scope = NewDisposeScope();
        int size = Preprocessor.CropSize;
        var pixels = images.Select(i => tensor(Preprocessor.Process(i), new long[] { 1, 3, size, size })).ToArray();
        return Vision.Embed(cat(pixels, 0).to(Text.Device)).MoveToOuterDisposeScope();
    }

    /// <summary>100 x cos(image, prompt) for each pair, in batches.</summary>
    public IReadOnlyList<double> Score(IReadOnlyList<RgbImage> images, IReadOnlyList<string> prompts)
    {
        if (images.Count != prompts.Count)
            throw new ArgumentException(
                $"{images.Count} images and {prompts.Count} prompts: pair each image with its prompt."
            );
        var scores = new List<double>(images.Count);
        for (int start = 0; start < images.Count; start += BatchSize)
        {
            int count = Math.Min(BatchSize, images.Count - start);
            using var scope = NewDisposeScope();
            var image = EmbedImages(images.Skip(start).Take(count).ToList());
            var text = EmbedTexts(prompts.Skip(start).Take(count).ToList());
            var cosine = nn.functional.cosine_similarity(
                image.to(ScalarType.Float64),
                text.to(ScalarType.Float64),
                dim: 1,
                eps: 0
            );
            scores.AddRange(HostTensors.ToHost(cosine.mul(Scale)).data<double>().ToArray());
        }
        return scores;
    }

    public double Score(RgbImage image, string prompt) => Score(new[] { image }, new[] { prompt })[0];

    public void Dispose()
    {
        Text.Dispose();
        Vision.Dispose();
        _textProjection.Dispose();
    }
}

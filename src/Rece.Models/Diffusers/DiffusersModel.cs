using System.Text.RegularExpressions;
using Rece.Models.Configuration;
using Rece.Models.TextEncoder;
using Rece.Models.UNet;

namespace Rece.Models.Diffusers;

/// <summary>
/// A Stable Diffusion model folder in the diffusers layout (model_index.json, unet/, text_encoder/, tokenizer/, ...),
/// validated up front so every problem is reported before any work starts.
/// </summary>
public sealed partial class DiffusersModel
{
    public const string ModelIndexFile = "model_index.json";
    public const string UNetFolder = "unet";
    public const string TextEncoderFolder = "text_encoder";
    public const string TokenizerFolder = "tokenizer";
    public const string UNetWeightsName = "diffusion_pytorch_model";
    public const string TextEncoderWeightsName = "model";
    public const string VaeFolder = "vae";
    public const string VaeWeightsName = "diffusion_pytorch_model";
    public const string SchedulerFolder = "scheduler";
    public const string SchedulerConfigFile = "scheduler_config.json";

    private const string ConvertHint =
        "Convert it to safetensors with diffusers: python -c \"from diffusers import StableDiffusionPipeline as P; "
        + "P.from_pretrained('IN').save_pretrained('OUT', safe_serialization=True)\"";

    private DiffusersModel(
        string root,
        UNetConfig unet,
        IReadOnlyList<UNetWeightsFile> unetWeights,
        IReadOnlyList<string> ignoredUNetFiles,
        ClipTextConfig textEncoder,
        string textEncoderWeights
    )
    {
        Root = root;
        UNet = unet;
        UNetWeights = unetWeights;
        IgnoredUNetFiles = ignoredUNetFiles;
        TextEncoder = textEncoder;
        TextEncoderWeightsPath = textEncoderWeights;
    }

    public string Root { get; }

    public UNetConfig UNet { get; }

    /// <summary>The U-Net's safetensors files; the first is the one the erasure is computed on (full precision when
    /// present).</summary>
    public IReadOnlyList<UNetWeightsFile> UNetWeights { get; }

    /// <summary>U-Net weight files in other formats (pickle .bin, .ckpt): never loaded, and never copied into an edited
    /// model.</summary>
    public IReadOnlyList<string> IgnoredUNetFiles { get; }

    public ClipTextConfig TextEncoder { get; }

    public string TextEncoderConfigPath => Path.Combine(Root, TextEncoderFolder, "config.json");

    public string TextEncoderWeightsPath { get; }

    public string TokenizerDirectory => Path.Combine(Root, TokenizerFolder);

    public string UNetConfigPath => Path.Combine(Root, UNetFolder, "config.json");

    /// <summary>d, the size of a text embedding vector and of the K/V matrices' input.</summary>
    public int EmbeddingDim => TextEncoder.HiddenSize;

    public string Architecture =>
        EmbeddingDim switch
        {
            768 => "stable-diffusion-v1",
            1024 => "stable-diffusion-v2",
            _ => $"stable-diffusion-like (d={EmbeddingDim})",
        };

    public static DiffusersModel Open(string directory)
    {
        string root = Path.GetFullPath(directory);
        if (!Directory.Exists(root))
            throw new ModelFormatException($"Model folder {root} does not exist.");
        string index = Path.Combine(root, ModelIndexFile);
        if (!File.Exists(index))
        {
            var singleFiles = Directory
                .EnumerateFiles(root)
                .Where(f => f.EndsWith(".ckpt") || f.EndsWith(".safetensors"))
                .Select(Path.GetFileName)
                .ToList();
            throw new ModelFormatException(
                $"{root} is not a diffusers model folder: {ModelIndexFile} is missing."
                    + (
                        singleFiles.Count > 0
                            ? $" It holds a single-file checkpoint ({string.Join(", ", singleFiles)}); convert it with diffusers (StableDiffusionPipeline.from_single_file(...).save_pretrained(OUT, safe_serialization=True))."
                            : " Use a folder in the diffusers layout, e.g. a download of CompVis/stable-diffusion-v1-4."
                    )
            );
        }
        var modelIndex = JsonConfig.Load(index);
        foreach (var component in new[] { "text_encoder_2", "prior", "decoder" })
        {
            if (modelIndex.Has(component))
                throw new ModelFormatException(
                    $"{index} lists a \"{component}\" component ({modelIndex.Root["_class_name"]}): unknown architecture. This tool supports Stable Diffusion v1.x and v2.x pipelines."
                );
        }

        RequireFolder(root, UNetFolder);
        RequireFolder(root, TextEncoderFolder);
        RequireFolder(root, TokenizerFolder);

        var unet = UNetConfig.Load(Path.Combine(root, UNetFolder, "config.json"));
        var (unetWeights, ignored) = FindUNetWeights(Path.Combine(root, UNetFolder));
        var textEncoder = ClipTextConfig.Load(Path.Combine(root, TextEncoderFolder, "config.json"));
        string textWeights = FindTextEncoderWeights(Path.Combine(root, TextEncoderFolder));
        if (unet.CrossAttentionDim != textEncoder.HiddenSize)
            throw new ModelFormatException(
                $"{root}: the U-Net's cross_attention_dim ({unet.CrossAttentionDim}) differs from the text encoder's hidden_size ({textEncoder.HiddenSize}); the components do not belong together."
            );
        return new DiffusersModel(root, unet, unetWeights, ignored, textEncoder, textWeights);
    }

    private static void RequireFolder(string root, string name)
    {
        if (!Directory.Exists(Path.Combine(root, name)))
            throw new ModelFormatException($"{root} lacks the {name}/ folder of a Stable Diffusion diffusers model.");
    }

    [GeneratedRegex(@"^diffusion_pytorch_model(\.(?<variant>[A-Za-z0-9_-]+))?\.safetensors$")]
    private static partial Regex UNetWeightsPattern();

    private static (IReadOnlyList<UNetWeightsFile>, IReadOnlyList<string>) FindUNetWeights(string folder)
    {
        var names = Directory.EnumerateFiles(folder).Select(Path.GetFileName).OfType<string>().ToList();
        if (names.Any(n => n.EndsWith(".safetensors.index.json", StringComparison.Ordinal)))
            throw new ModelFormatException(
                $"{folder} holds a sharded checkpoint (*.safetensors.index.json), which is not supported; save the U-Net unsharded."
            );
        var weights = names
            .Select(n => (Name: n, Match: UNetWeightsPattern().Match(n)))
            .Where(m => m.Match.Success)
            .Select(m => new UNetWeightsFile(
                Path.Combine(folder, m.Name),
                m.Match.Groups["variant"].Success ? m.Match.Groups["variant"].Value : null
            ))
            .OrderBy(w =>
                w.Variant is null ? 0
                : w.Variant == "fp16" ? 1
                : 2
            )
            .ThenBy(w => w.Variant, StringComparer.Ordinal)
            .ToList();
        var ignored = names
            .Where(n =>
                n.EndsWith(".bin", StringComparison.Ordinal)
                || n.EndsWith(".ckpt", StringComparison.Ordinal)
                || n.EndsWith(".pt", StringComparison.Ordinal)
            )
            .Select(n => Path.Combine(folder, n))
            .ToList();
        if (weights.Count == 0)
        {
            if (ignored.Count > 0)
                throw new ModelFormatException(
                    $"{folder} has only pickle weights ({string.Join(", ", ignored.Select(Path.GetFileName))}), which this tool does not load (unpickling can run code). {ConvertHint}"
                );
            throw new ModelFormatException($"{folder} has no {UNetWeightsName}.safetensors (nor an fp16 variant).");
        }
        return (weights, ignored);
    }

    private static string FindTextEncoderWeights(string folder)
    {
        foreach (
            var name in new[] { $"{TextEncoderWeightsName}.safetensors", $"{TextEncoderWeightsName}.fp16.safetensors" }
        )
        {
            string path = Path.Combine(folder, name);
            if (File.Exists(path))
                return path;
        }
        if (
            File.Exists(Path.Combine(folder, "pytorch_model.bin"))
            || File.Exists(Path.Combine(folder, "pytorch_model.fp16.bin"))
        )
            throw new ModelFormatException(
                $"{folder} has only pickle weights (pytorch_model.bin), which this tool does not load (unpickling can run code). {ConvertHint}"
            );
        throw new ModelFormatException($"{folder} has no model.safetensors (nor model.fp16.safetensors).");
    }
}

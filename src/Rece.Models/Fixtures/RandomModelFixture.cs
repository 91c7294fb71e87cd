using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;
using Rece.Models.Configuration;
using Rece.Models.Diffusers;
using Rece.Models.Safetensors;
using Rece.Models.Schedulers;
using Rece.Models.TextEncoder;
using Rece.Models.Tokenization;
using Rece.Models.UNet;
using Rece.Models.Vae;
using static TorchSharp.torch;

namespace Rece.Models.Fixtures;

/// <summary>
/// Writes a Stable Diffusion model folder in the real diffusers layout with random weights and the real CLIP tokenizer
/// files, for demos, tests and benchmarks (no real weights can be downloaded here).
/// </summary>
public static class RandomModelFixture
{
    public sealed record Spec(
        ClipTextConfig TextEncoder,
        UNetConfig UNet,
        string PadToken,
        VaeConfig Vae,
        SchedulerConfig Scheduler
    );

    /// <summary>A VAE with the real architecture (4 blocks: 8 pixels per latent) and few channels, so tiny images
    /// decode in milliseconds.</summary>
    private static VaeConfig TinyVae =>
        new()
        {
            BlockOutChannels = new[] { 32, 32, 64, 64 },
            LayersPerBlock = 1,
            NormNumGroups = 32,
            SampleSize = 64,
        };

    /// <summary>stabilityai/stable-diffusion-2-1's scheduler: the same betas, v-prediction.</summary>
    private static SchedulerConfig V2Scheduler =>
        SchedulerConfig.StableDiffusion with
        {
            ClassName = "DDIMScheduler",
            PredictionType = "v_prediction",
        };

    public static Spec For(FixtureKind kind) =>
        kind switch
        {
            FixtureKind.Tiny => new Spec(
                new ClipTextConfig
                {
                    HiddenSize = 32,
                    IntermediateSize = 64,
                    NumAttentionHeads = 4,
                    NumHiddenLayers = 2,
                    ProjectionDim = 32,
                },
                new UNetConfig
                {
                    BlockOutChannels = new[] { 32, 64 },
                    LayersPerBlock = 2,
                    CrossAttentionDim = 32,
                    AttentionHeadDim = new[] { 8, 8 },
                    DownBlockTypes = new[] { UNetConfig.CrossAttnDown, UNetConfig.Down },
                    UpBlockTypes = new[] { UNetConfig.Up, UNetConfig.CrossAttnUp },
                    NormNumGroups = 32,
                    SampleSize = 8,
                },
                "<|endoftext|>",
                TinyVae,
                SchedulerConfig.StableDiffusion
            ),
            FixtureKind.TinyV2 => new Spec(
                new ClipTextConfig
                {
                    HiddenSize = 48,
                    IntermediateSize = 96,
                    NumAttentionHeads = 4,
                    NumHiddenLayers = 3,
                    ProjectionDim = 32,
                    HiddenAct = "gelu",
                },
                new UNetConfig
                {
                    BlockOutChannels = new[] { 32, 64 },
                    LayersPerBlock = 1,
                    CrossAttentionDim = 48,
                    AttentionHeadDim = new[] { 4, 8 },
                    DownBlockTypes = new[] { UNetConfig.CrossAttnDown, UNetConfig.CrossAttnDown },
                    UpBlockTypes = new[] { UNetConfig.CrossAttnUp, UNetConfig.CrossAttnUp },
                    UseLinearProjection = true,
                    NormNumGroups = 32,
                    SampleSize = 8,
                    UpcastAttention = true,
                },
                "!",
                TinyVae,
                V2Scheduler
            ),
            FixtureKind.StableDiffusionV14 => new Spec(
                ClipTextConfig.ClipVitL14,
                UNetConfig.StableDiffusionV1,
                "<|endoftext|>",
                VaeConfig.StableDiffusion,
                SchedulerConfig.StableDiffusion
            ),
            FixtureKind.StableDiffusionV2 => new Spec(
                ClipTextConfig.OpenClipVitH14,
                UNetConfig.StableDiffusionV1 with
                {
                    CrossAttentionDim = 1024,
                    AttentionHeadDim = new[] { 5, 10, 20, 20 },
                    UseLinearProjection = true,
                    SampleSize = 96,
                    UpcastAttention = true,
                },
                "!",
                VaeConfig.StableDiffusion with
                {
                    SampleSize = 768,
                },
                V2Scheduler
            ),
            _ => throw new ArgumentOutOfRangeException(nameof(kind)),
        };

    /// <param name="directory">Created if missing; must not already hold a model.</param>
    /// <param name="fp16Variant">Also write unet/diffusion_pytorch_model.fp16.safetensors (the same weights in half
    /// precision).</param>
    public static void Write(
        string directory,
        FixtureKind kind,
        int seed = 0,
        bool fp16Variant = false,
        ILogger? progress = null
    )
    {
        var spec = For(kind);
        Directory.CreateDirectory(directory);
        if (File.Exists(Path.Combine(directory, DiffusersModel.ModelIndexFile)))
            throw new IOException($"{directory} already holds a model ({DiffusersModel.ModelIndexFile} exists).");
        var generator = new Generator((ulong)seed);
        bool fullSize = kind is FixtureKind.StableDiffusionV14 or FixtureKind.StableDiffusionV2;

        JsonConfig.Write(Path.Combine(directory, DiffusersModel.ModelIndexFile), ModelIndex(spec.Scheduler.ClassName));
        Directory.CreateDirectory(Path.Combine(directory, DiffusersModel.SchedulerFolder));
        JsonConfig.Write(
            Path.Combine(directory, DiffusersModel.SchedulerFolder, DiffusersModel.SchedulerConfigFile),
            spec.Scheduler.ToJson()
        );
        WriteTokenizer(Path.Combine(directory, DiffusersModel.TokenizerFolder), spec.PadToken);

        string textFolder = Path.Combine(directory, DiffusersModel.TextEncoderFolder);
        Directory.CreateDirectory(textFolder);
        JsonConfig.Write(Path.Combine(textFolder, "config.json"), spec.TextEncoder.ToJson());
        progress?.WritingFixtureFile(
            "text_encoder/model.safetensors",
            spec.TextEncoder.Layout().Sum(s => s.ElementCount) / 1e6
        );
        WriteRandom(
            Path.Combine(textFolder, "model.safetensors"),
            spec.TextEncoder.Layout(),
            ScalarType.Float32,
            generator,
            TextEncoderInit,
            cheapFill: false
        );

        string unetFolder = Path.Combine(directory, DiffusersModel.UNetFolder);
        Directory.CreateDirectory(unetFolder);
        JsonConfig.Write(Path.Combine(unetFolder, "config.json"), spec.UNet.ToJson());
        var unetLayout = UNetLayout.Tensors(spec.UNet);
        progress?.WritingFixtureFile(
            "unet/diffusion_pytorch_model.safetensors",
            unetLayout.Sum(s => s.ElementCount) / 1e6
        );
        // The K/V matrices are what the erasure reads: always truly random. Other full-size tensors repeat a random
        // block, which keeps building a 3.4 GB fixture to seconds.
        WriteRandom(
            Path.Combine(unetFolder, $"{DiffusersModel.UNetWeightsName}.safetensors"),
            unetLayout,
            ScalarType.Float32,
            generator,
            UNetInit,
            cheapFill: fullSize
        );

        string vaeFolder = Path.Combine(directory, DiffusersModel.VaeFolder);
        Directory.CreateDirectory(vaeFolder);
        JsonConfig.Write(Path.Combine(vaeFolder, "config.json"), spec.Vae.ToJson());
        var vaeLayout = VaeLayout.Tensors(spec.Vae);
        progress?.WritingFixtureFile(
            "vae/diffusion_pytorch_model.safetensors",
            vaeLayout.Sum(s => s.ElementCount) / 1e6
        );
        WriteRandom(
            Path.Combine(vaeFolder, $"{DiffusersModel.VaeWeightsName}.safetensors"),
            vaeLayout,
            ScalarType.Float32,
            generator,
            UNetInit,
            cheapFill: fullSize
        );

        if (fp16Variant)
        {
            progress?.WritingFixtureVariant("unet/diffusion_pytorch_model.fp16.safetensors");
            using var source = SafetensorsFile.Open(
                Path.Combine(unetFolder, $"{DiffusersModel.UNetWeightsName}.safetensors")
            );
            SafetensorsWriter.WriteStreaming(
                Path.Combine(unetFolder, $"{DiffusersModel.UNetWeightsName}.fp16.safetensors"),
                source.Tensors.Select(t => new TensorHeader(t.Name, TensorDType.F16, t.Shape)).ToList(),
                i =>
                {
                    using var full = TorchTensors.Read(source, source.Tensors[i]);
                    using var half = full.to(ScalarType.Float16);
                    return TorchTensors.ToBytes(half);
                },
                new Dictionary<string, string> { ["format"] = "pt" }
            );
        }
    }

    private static Tensor TextEncoderInit(TensorSpec spec, Generator generator)
    {
        if (spec.Name.Contains("layer_norm", StringComparison.Ordinal))
            return spec.Name.EndsWith(".weight", StringComparison.Ordinal)
                ? ones(spec.Shape).add_(randn(spec.Shape, generator: generator).mul_(0.1))
                : randn(spec.Shape, generator: generator).mul_(0.05);
        if (spec.Name.EndsWith(".bias", StringComparison.Ordinal))
            return randn(spec.Shape, generator: generator).mul_(0.02);
        double scale = spec.Name.Contains("embedding", StringComparison.Ordinal)
            ? 0.5
            : 1.0 / Math.Sqrt(spec.Shape[^1]);
        return randn(spec.Shape, generator: generator).mul_(scale);
    }

    private static Tensor UNetInit(TensorSpec spec, Generator generator)
    {
        bool norm = spec.Name.Contains("norm", StringComparison.Ordinal) && spec.Shape.Length == 1;
        if (norm && spec.Name.EndsWith(".weight", StringComparison.Ordinal))
            return ones(spec.Shape);
        if (spec.Shape.Length == 1)
            return zeros(spec.Shape);
        long fanIn = spec.Shape.Skip(1).Aggregate(1L, (a, b) => a * b);
        return randn(spec.Shape, generator: generator).mul_(1.0 / Math.Sqrt(fanIn));
    }

    private static void WriteRandom(
        string path,
        IReadOnlyList<TensorSpec> layout,
        ScalarType dtype,
        Generator generator,
        Func<TensorSpec, Generator, Tensor> init,
        bool cheapFill
    )
    {
        const long blockSize = 1 << 20;
        using var block = cheapFill ? randn(blockSize, generator: generator).mul_(0.02) : null;
        SafetensorsWriter.WriteStreaming(
            path,
            layout.Select(s => new TensorHeader(s.Name, TorchTensors.ToDType(dtype), s.Shape)).ToList(),
            i =>
            {
                var spec = layout[i];
                using var scope = NewDisposeScope();
                Tensor value =
                    block is not null
                    && spec.ElementCount > blockSize
                    && !UNetLayout.IsCrossAttentionKeyOrValue(spec.Name)
                        ? block
                            .repeat((spec.ElementCount + blockSize - 1) / blockSize)
                            .narrow(0, 0, spec.ElementCount)
                            .reshape(spec.Shape)
                        : init(spec, generator);
                return TorchTensors.ToBytes(value.to(dtype));
            },
            new Dictionary<string, string> { ["format"] = "pt" }
        );
    }

    private static void WriteTokenizer(string folder, string padToken)
    {
        Directory.CreateDirectory(folder);
        ClipTokenizer.WriteEmbeddedVocabularyFiles(folder);
        JsonObject Special(string content) =>
            new()
            {
                ["content"] = content,
                ["lstrip"] = false,
                ["normalized"] = true,
                ["rstrip"] = false,
                ["single_word"] = false,
            };
        // transformers writes tokenizer_config.json's special tokens as typed AddedToken objects (and up to 4.33
        // reads only those); special_tokens_map.json holds plain ones.
        JsonObject Added(string content)
        {
            var token = Special(content);
            token.Insert(0, "__type", "AddedToken");
            return token;
        }
        JsonConfig.Write(
            Path.Combine(folder, "tokenizer_config.json"),
            new JsonObject
            {
                ["add_prefix_space"] = false,
                ["bos_token"] = Added("<|startoftext|>"),
                ["do_lower_case"] = true,
                ["eos_token"] = Added("<|endoftext|>"),
                ["errors"] = "replace",
                ["model_max_length"] = 77,
                ["pad_token"] = padToken,
                ["tokenizer_class"] = "CLIPTokenizer",
                ["unk_token"] = Added("<|endoftext|>"),
            }
        );
        JsonConfig.Write(
            Path.Combine(folder, "special_tokens_map.json"),
            new JsonObject
            {
                ["bos_token"] = Special("<|startoftext|>"),
                ["eos_token"] = Special("<|endoftext|>"),
                ["pad_token"] = padToken,
                ["unk_token"] = Special("<|endoftext|>"),
            }
        );
    }

    private static JsonObject ModelIndex(string schedulerClass) =>
        new()
        {
            ["_class_name"] = "StableDiffusionPipeline",
            ["_diffusers_version"] = "0.30.0",
            ["feature_extractor"] = new JsonArray(null, null),
            ["requires_safety_checker"] = false,
            ["safety_checker"] = new JsonArray(null, null),
            ["scheduler"] = new JsonArray("diffusers", schedulerClass),
            ["text_encoder"] = new JsonArray("transformers", "CLIPTextModel"),
            ["tokenizer"] = new JsonArray("transformers", "CLIPTokenizer"),
            ["unet"] = new JsonArray("diffusers", "UNet2DConditionModel"),
            ["vae"] = new JsonArray("diffusers", "AutoencoderKL"),
        };
}

using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Rece.Models;
using Rece.Models.Devices;
using Rece.Models.Schedulers;
using Rece.Models.TextEncoder;
using Rece.Models.Tokenization;
using Rece.Models.UNet;
using Rece.Models.Vae;
using static TorchSharp.torch;

namespace Rece.Generation;

/// <summary>
/// Stable Diffusion text-to-image on TorchSharp, as diffusers' StableDiffusionPipeline: the prompt and the empty prompt
/// encoded by CLIP, seeded initial noise, the scheduler loop with classifier-free guidance over the U-Net, and the VAE
/// decode to 8-bit RGB. Load once and call <see cref="Generate(ImageRequest, Action{int, int}?)"/> many times: the
/// models stay in memory in the compute dtype. Not thread-safe: one generation at a time.
/// </summary>
public sealed class StableDiffusionPipeline : IDisposable
{
    private static readonly string[] EmptyPrompt = { "" };

    private Tensor _emptyPromptEmbedding;

    private StableDiffusionPipeline(
        ModelFiles files,
        Precision precision,
        ComputeDevice device,
        ClipTokenizer tokenizer,
        ClipTextEncoder textEncoder,
        UNet2DConditionModel unet,
        AutoencoderKL vae,
        SchedulerConfig schedulerConfig
    )
    {
        Files = files;
        Precision = precision;
        Device = device;
        Tokenizer = tokenizer;
        TextEncoder = textEncoder;
        UNet = unet;
        Vae = vae;
        SchedulerConfig = schedulerConfig;
        _emptyPromptEmbedding = EncodePrompts(EmptyPrompt).DetachFromDisposeScope();
    }

    public ModelFiles Files { get; }

    public Precision Precision { get; }

    /// <summary>Where every component computes: weights, latents, scheduler state and guidance live there; only the
    /// 8-bit images come back (the initial noise is drawn on the CPU generator and moved, so seeds mean the same
    /// everywhere).</summary>
    public ComputeDevice Device { get; }

    public ClipTokenizer Tokenizer { get; }

    public ClipTextEncoder TextEncoder { get; }

    public UNet2DConditionModel UNet { get; }

    public AutoencoderKL Vae { get; }

    public SchedulerConfig SchedulerConfig { get; }

    /// <summary>The size the model was trained at: unet sample_size x VAE scale factor (512 for SD v1.x, 768 for SD 2.x
    /// 768).</summary>
    public int DefaultSize => UNet.Config.SampleSize * Vae.Config.ScaleFactor;

    /// <summary>Widths and heights must be multiples of this (the VAE's scale factor, 8 for SD).</summary>
    public int SizeMultiple => Vae.Config.ScaleFactor;

    /// <summary>d: the width of a text embedding row (768 for SD v1.x, 1024 for SD v2.x).</summary>
    public int EmbeddingDim => UNet.Config.CrossAttentionDim;

    /// <summary>Loads every component strictly (see <see cref="ModelFiles"/>) onto <paramref name="device"/> (default:
    /// the CPU), the U-Net and VAE in <paramref name="precision"/>.</summary>
    public static StableDiffusionPipeline Load(
        string modelDirectory,
        Precision precision = Precision.Fp32,
        ILogger? log = null,
        ComputeDevice? device = null
    ) => Load(ModelFiles.Locate(modelDirectory), precision, log, device);

    public static StableDiffusionPipeline Load(
        ModelFiles files,
        Precision precision = Precision.Fp32,
        ILogger? log = null,
        ComputeDevice? device = null
    )
    {
        device ??= ComputeDevice.Cpu;
        var dtype = precision.ToScalarType();
        if (precision == Precision.Fp16 && device.IsCpu)
            log?.SlowPrecision(Precisions.Fp16OnCpuWarning);
        var schedulerConfig = SchedulerConfig
            .Load(files.SchedulerConfig)
            .ForStableDiffusion(warning => log?.OutdatedSchedulerConfig(warning));
        var model = files.Model;
        log?.LoadingUNet(Path.GetRelativePath(model.Root, files.UNetWeights), precision.Name());
        var unetTask = Task.Run(() =>
            UNet2DConditionModel.Load(files.UNetConfig, files.UNetWeights, dtype, device.Torch)
        );
        ClipTokenizer? tokenizer = null;
        ClipTextEncoder? encoder = null;
        AutoencoderKL? vae = null;
        try
        {
            tokenizer = ClipTokenizer.FromFolder(model.TokenizerDirectory);
            log?.LoadingTextEncoder(model.TextEncoder.NumHiddenLayers, model.EmbeddingDim);
            encoder = ClipTextEncoder.Load(model.TextEncoderConfigPath, model.TextEncoderWeightsPath, device.Torch);
            log?.LoadingVae(Path.GetRelativePath(model.Root, files.VaeWeights));
            vae = AutoencoderKL.Load(files.VaeConfig, files.VaeWeights, dtype, device.Torch);
            if (vae.Config.LatentChannels != model.UNet.InChannels || model.UNet.InChannels != model.UNet.OutChannels)
                throw new ModelFormatException(
                    $"{model.Root}: the VAE's latent_channels ({vae.Config.LatentChannels}) and the U-Net's in/out channels ({model.UNet.InChannels}/{model.UNet.OutChannels}) differ; the components do not belong together (inpainting and depth models are not supported)."
                );
            var unet = unetTask.GetAwaiter().GetResult();
            return new StableDiffusionPipeline(
                files,
                precision,
                device,
                tokenizer,
                encoder,
                unet,
                vae,
                schedulerConfig
            );
        }
        catch
        {
            encoder?.Dispose();
            vae?.Dispose();
            try
            {
                unetTask.GetAwaiter().GetResult().Dispose();
            }
            catch (Exception)
            {
                // The first error is the one to report.
            }
            throw;
        }
    }

    /// <summary>CLIP last_hidden_state of prompts, as diffusers encodes them (padded to 77 tokens, truncated at 75
    /// words).</summary>
    /// <returns>[prompts, 77, d], float32, on <see cref="Device"/>.</returns>
    public Tensor EncodePrompts(IReadOnlyList<string> prompts) =>
        TextEncoder.Encode(prompts.Select(p => Tokenizer.Encode(p).Ids).ToList());

    /// <summary>
    /// Overwrites text encoder weights in place (a trained text encoder's checkpoint, or the original weights back)
    /// and re-encodes the empty prompt the sampler keeps for guidance, so the pipeline equals one loaded with those
    /// weights. The caller keeps ownership of <paramref name="replacements"/>.
    /// </summary>
    public void ReplaceTextEncoderWeights(IReadOnlyDictionary<string, Tensor> replacements)
    {
        TextEncoder.ReplaceWeights(replacements);
        var empty = EncodePrompts(EmptyPrompt).DetachFromDisposeScope();
        _emptyPromptEmbedding.Dispose();
        _emptyPromptEmbedding = empty;
    }

    /// <returns>[77, d], float32 on <see cref="Device"/>: the conditioning of one prompt, e.g. to modify and pass back
    /// as <see cref="ImageRequest.Embedding"/>.</returns>
    public Tensor EncodePrompt(string prompt)
    {
        using var batch = EncodePrompts(new[] { prompt });
        return batch[0].clone();
    }

    public GeneratedImage Generate(ImageRequest request, Action<int, int>? onModelCall = null) =>
        Generate(new[] { request }, onModelCall)[0];

    /// <summary>
    /// Generates a batch of images in one U-Net pass per step. The requests must share size, steps and scheduler;
    /// prompts, embeddings, seeds and guidance scales may differ. An image depends only on its own request (its noise
    /// comes from its own seed), up to floating-point differences of batched kernels.
    /// </summary>
    /// <param name="onModelCall">(calls done, calls in all) after each U-Net call.</param>
    public IReadOnlyList<GeneratedImage> Generate(
        IReadOnlyList<ImageRequest> requests,
        Action<int, int>? onModelCall = null
    )
    {
        if (requests.Count == 0)
            throw new ArgumentException("Nothing to generate.", nameof(requests));
        var first = requests[0];
        int width = first.Width == 0 ? DefaultSize : first.Width,
            height = first.Height == 0 ? DefaultSize : first.Height;
        foreach (var r in requests)
        {
            if (
                (r.Width == 0 ? DefaultSize : r.Width) != width
                || (r.Height == 0 ? DefaultSize : r.Height) != height
                || r.Steps != first.Steps
                || r.Scheduler != first.Scheduler
            )
                throw new ArgumentException(
                    "The requests of one batch must share width, height, steps and scheduler.",
                    nameof(requests)
                );
            if ((r.Prompt is null) == (r.Embedding is null))
                throw new ArgumentException(
                    "Each request needs a prompt or an embedding (not both).",
                    nameof(requests)
                );
            if (!double.IsFinite(r.Guidance))
                throw new ArgumentException($"Guidance must be a finite number, got {r.Guidance}.", nameof(requests));
        }
        CheckSize(width, height);

        using var inference = inference_mode();
        using var scope = NewDisposeScope();
        var clock = Stopwatch.StartNew();
        var conditioning = Conditioning(requests);
        double encodeSeconds = clock.Elapsed.TotalSeconds;

        clock.Restart();
        int calls = 0;
        var latents = Denoise(
            conditioning,
            requests.Select(r => r.Seed).ToList(),
            requests.Select(r => r.Guidance).ToList(),
            width,
            height,
            first.Steps,
            first.Scheduler,
            (done, total) =>
            {
                calls = total;
                onModelCall?.Invoke(done, total);
            }
        );
        Device.Synchronize();
        double denoiseSeconds = clock.Elapsed.TotalSeconds;

        clock.Restart();
        var pixels = new List<byte[]>();
        for (int i = 0; i < requests.Count; i++)
        {
            // One image at a time: the decoder's activations at full resolution are the largest tensors of a
            // generation.
            using var one = latents.narrow(0, i, 1);
            using var decoded = Decode(one);
            pixels.Add(ToRgbBytes(decoded));
        }
        double decodeSeconds = clock.Elapsed.TotalSeconds;
        int n = requests.Count;
        var timings = new ImageTimings(encodeSeconds / n, denoiseSeconds / n, decodeSeconds / n, calls);
        return pixels.Select(p => new GeneratedImage(width, height, p, timings)).ToList();
    }

    /// <summary>
    /// The denoising loop: initial noise from the seeds, then for each scheduler timestep one U-Net call on the
    /// unconditional (empty prompt) and conditional halves, guidance, and the scheduler update.
    /// </summary>
    /// <param name="conditioning">[B, 77, d] float32, on any device (moved to <see cref="Device"/>).</param>
    /// <param name="onModelInput">(latents as the U-Net takes them, timestep) before each step's U-Net call, e.g. to
    /// keep the trajectory (it and what the callback makes are released after the step: clone and detach from the
    /// dispose scope what you keep).</param>
    /// <returns>The final latents [B, latent channels, height/f, width/f], float32 on <see cref="Device"/> (scaled as
    /// the U-Net sees them).</returns>
    public Tensor Denoise(
        Tensor conditioning,
        IReadOnlyList<ulong> seeds,
        IReadOnlyList<double> guidance,
        int width,
        int height,
        int steps,
        SchedulerKind schedulerKind,
        Action<int, int>? onModelCall = null,
        Action<Tensor, double>? onModelInput = null
    )
    {
        long batch = conditioning.shape[0];
        if (seeds.Count != batch || guidance.Count != batch)
            throw new ArgumentException($"Need one seed and one guidance scale per conditioning row ({batch}).");
        if (
            conditioning.dim() != 3
            || conditioning.shape[2] != EmbeddingDim
            || conditioning.shape[1] != _emptyPromptEmbedding.shape[1]
        )
            throw new ArgumentException(
                $"Conditioning must be [B, {_emptyPromptEmbedding.shape[1]}, {EmbeddingDim}], got {TensorShape.Format(conditioning.shape)}.",
                nameof(conditioning)
            );
        CheckSize(width, height);
        using var inference = inference_mode();
        using var scheduler = Scheduler.Create(schedulerKind, SchedulerConfig, steps);
        using var scope = NewDisposeScope();
        var dtype = UNet.DType;
        bool guided = ClassifierFreeGuidance.Needed(guidance);
        var device = Device.Torch;
        conditioning = conditioning.to(device);
        var context = (
            guided ? cat(new[] { _emptyPromptEmbedding.expand(batch, -1, -1), conditioning }, 0) : conditioning
        ).to(dtype);
        var scale = tensor(guidance.ToArray()).to(ScalarType.Float32, device).view(batch, 1, 1, 1);
        int factor = Vae.Config.ScaleFactor;
        var latents = InitialNoise
            .Draw(seeds, UNet.Config.InChannels, height / factor, width / factor)
            .to(device)
            .mul_(scheduler.InitNoiseSigma);
        var timesteps = scheduler.Timesteps;
        for (int i = 0; i < timesteps.Count; i++)
        {
            using var step = NewDisposeScope();
            var input = latents.mul(scheduler.ModelInputScale(i));
            onModelInput?.Invoke(input, timesteps[i]);
            if (guided)
                input = cat(new[] { input, input }, 0);
            var t = full(new[] { input.shape[0] }, timesteps[i], ScalarType.Float32, device: device);
            var prediction = UNet.Forward(input.to(dtype), t, context).to(ScalarType.Float32);
            if (guided)
            {
                var halves = prediction.chunk(2, 0);
                prediction = ClassifierFreeGuidance.Combine(halves[0], halves[1], scale);
            }
            var next = scheduler.Step(prediction, i, latents);
            latents.Dispose();
            latents = next.MoveToOuterDisposeScope();
            onModelCall?.Invoke(i + 1, timesteps.Count);
        }
        return latents.MoveToOuterDisposeScope();
    }

    /// <summary>Latents to images in [0, 1]: the VAE decode, then (x / 2 + 0.5) clamped, as diffusers' image
    /// processor.</summary>
    /// <returns>[B, 3, H, W], float32 on <see cref="Device"/>.</returns>
    public Tensor Decode(Tensor latents)
    {
        using var inference = inference_mode();
        using var scope = NewDisposeScope();
        var images = Vae.Decode(latents.to(Device.Torch)).to(ScalarType.Float32).div_(2).add_(0.5).clamp_(0, 1);
        return images.MoveToOuterDisposeScope();
    }

    /// <summary>[1, 3, H, W] in [0, 1] on any device to 8-bit RGB bytes (round(x * 255), as diffusers' numpy_to_pil):
    /// only these come back to the host.</summary>
    public static byte[] ToRgbBytes(Tensor image)
    {
        using var scope = NewDisposeScope();
        var bytes = image[0].mul(255).round_().to(ScalarType.Byte).permute(1, 2, 0).contiguous();
        return HostTensors.ToHost(bytes).bytes.ToArray();
    }

    private Tensor Conditioning(IReadOnlyList<ImageRequest> requests)
    {
        var prompts = requests.Where(r => r.Prompt is not null).Select(r => r.Prompt!).ToList();
        using var encoded = prompts.Count > 0 ? EncodePrompts(prompts) : null;
        int next = 0;
        var rows = new List<Tensor>();
        foreach (var r in requests)
        {
            if (r.Prompt is not null)
            {
                rows.Add(encoded![next++]);
                continue;
            }
            var e = r.Embedding!;
            var row = e.dim() == 3 && e.shape[0] == 1 ? e[0] : e;
            if (
                row.dim() != 2
                || row.shape[0] != ClipTokenizer.ContextLength
                || row.shape[1] != EmbeddingDim
                || !row.is_floating_point()
            )
                throw new ArgumentException(
                    $"An embedding must be a floating-point [{ClipTokenizer.ContextLength}, {EmbeddingDim}] tensor (the text encoder's output for this model), got {TensorShape.Format(e.shape)}."
                );
            rows.Add(row.to(ScalarType.Float32, Device.Torch));
        }
        return stack(rows, 0);
    }

    private void CheckSize(int width, int height)
    {
        if (width <= 0 || height <= 0 || width % SizeMultiple != 0 || height % SizeMultiple != 0)
            throw new ArgumentException(
                $"Image sizes must be positive multiples of {SizeMultiple}, got {width}x{height}."
            );
    }

    public void Dispose()
    {
        _emptyPromptEmbedding.Dispose();
        TextEncoder.Dispose();
        UNet.Dispose();
        Vae.Dispose();
    }
}

using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Rece.Core.Settings;
using Rece.Erasure;
using Rece.Evaluation.Images;
using Rece.Generation;
using Rece.Models.Devices;
using Rece.Models.Schedulers;
using Rece.Models.TextEncoder;
using Rece.Models.Tokenization;
using Rece.Models.UNet;
using Rece.Models.Vae;
using static TorchSharp.torch;

namespace Rece.Training;

/// <summary>
/// `rece erase --method fewshot`: a model folder and a few images of the concept in; the edited model (only the text
/// encoder's weights changed, everything else linked) and a report with the loss of every step out. Every input is
/// checked before any heavy work; the output appears only when complete; the input is only read.
/// </summary>
public static class FewShotJob
{
    private static readonly string[] ImageExtensions = [".png", ".jpg", ".jpeg", ".webp"];

    public static ErasureReport Run(ErasureRequest request, ILogger? log = null)
    {
        ArgumentNullException.ThrowIfNull(request);
        var total = Stopwatch.StartNew();
        var timings = new StageTimer();
        var plan = Check(request, timings);
        OutputFolder.Check(request.OutputDirectory, request.Force, request.ModelDirectory, request.ImagesDirectory!);
        var (files, settings, concept, device) = (plan.Files, plan.Settings, plan.Concept, plan.Device);

        using var scope = NewDisposeScope();
        var latents = EncodeImages(plan, timings, log);
        var (encoder, unet, tokenizer) = Load(plan, timings);
        using var ownedEncoder = encoder;
        using var ownedUNet = unet;
        var trained = FewShotUnlearning.TrainedWeights(encoder.Config);
        log?.Unlearning(
            concept,
            trained.Count,
            settings.Epochs,
            (plan.Images.Count + settings.BatchSize - 1) / settings.BatchSize
        );
        var losses = timings.Time("train", () =>
            FewShotUnlearning.Train(
                encoder,
                unet,
                NoiseSchedule.From(plan.Scheduler),
                plan.Scheduler.PredictionType,
                latents,
                text => tokenizer.Encode(text).Ids,
                concept,
                settings,
                (epoch, step, loss) => log?.TrainingStep(epoch, step, loss)
            )
        );

        using var output = OutputFolder.Begin(
            request.OutputDirectory,
            request.Force,
            request.ModelDirectory,
            request.ImagesDirectory!
        );
        var (written, skipped, patchFile) = TrainedPatches.WriteModel(
            files.Model,
            files.Model.TextEncoderWeightsPath,
            trained.ToDictionary(name => name, name => encoder.Weights[name]),
            Rece.Engine.ErasureMethod.FewShot,
            concept,
            output,
            timings
        );
        var report = new ErasureReport
        {
            Command = "erase",
            CreatedUtc = DateTimeOffset.UtcNow,
            Inputs = new ReportInputs(
                files.Model.Root,
                new[] { concept },
                Array.Empty<string>(),
                Array.Empty<string>(),
                null,
                null
            ),
            Model = new ReportModel(
                files.Model.Architecture,
                files.Model.EmbeddingDim,
                0,
                Array.Empty<ReportWeightsFile>(),
                ReportWeightsFile.Of(files.Model.Root, files.Model.TextEncoderWeightsPath)
            ),
            Training = new ReportTraining("fewshot", plan.Size, settings.LearningRate, settings.Seed, trained, losses)
            {
                Images = plan.Images.Count,
                Template = settings.Template,
                Epochs = settings.Epochs,
                BatchSize = settings.BatchSize,
            },
            Timings = timings.WithTotal(total.Elapsed.TotalSeconds),
            Outputs = new ReportOutputs(output.Destination, patchFile, Array.Empty<WrittenWeights>(), skipped, false)
            {
                TextEncoder = written,
            },
            PeakResidentBytes = ProcessMemory.PeakResidentBytes(),
            Device = device.Info,
        };
        File.WriteAllText(output.PathOf(ErasureReport.FileName), report.ToJson());
        output.Commit();
        return report;
    }

    /// <summary>
    /// One part of the run as a pipeline job makes it: training up to the end of epoch <paramref name="untilEpoch"/>,
    /// continued from <paramref name="resume"/> (null: from the start, encoding the images), on the model folder of
    /// <paramref name="request"/> (whose output folder is not used). Writes the part's patch to
    /// <paramref name="patchPath"/> (its description naming <paramref name="baseModel"/>) and returns the state the
    /// next part continues from.
    /// </summary>
    public static TrainedPart TrainPart(
        ErasureRequest request,
        int untilEpoch,
        TrainingState? resume,
        string patchPath,
        string baseModel,
        ILogger? log = null
    )
    {
        ArgumentNullException.ThrowIfNull(request);
        var timings = new StageTimer();
        var plan = Check(request, timings);
        using var scope = NewDisposeScope();
        var latents = resume is null ? EncodeImages(plan, timings, log) : resume.Input("latents");
        var (encoder, unet, tokenizer) = Load(plan, timings);
        using var ownedEncoder = encoder;
        using var ownedUNet = unet;
        var trained = FewShotUnlearning.TrainedWeights(encoder.Config);
        log?.Unlearning(
            plan.Concept,
            trained.Count,
            untilEpoch - (resume?.Completed ?? 0),
            (plan.Images.Count + plan.Settings.BatchSize - 1) / plan.Settings.BatchSize
        );
        TrainingState state;
        try
        {
            state = FewShotUnlearning.TrainUntil(
                encoder,
                unet,
                NoiseSchedule.From(plan.Scheduler),
                plan.Scheduler.PredictionType,
                latents,
                text => tokenizer.Encode(text).Ids,
                plan.Concept,
                plan.Settings,
                untilEpoch,
                resume,
                (epoch, step, loss) => log?.TrainingStep(epoch, step, loss)
            );
        }
        catch (ArgumentException e)
        {
            throw new ErasureInputException($"The run's state does not continue this request: {e.Message}");
        }
        return TrainedPatches.Part(
            plan.Files.Model,
            plan.Files.Model.TextEncoderWeightsPath,
            trained.ToDictionary(name => name, name => encoder.Weights[name]),
            Rece.Engine.ErasureMethod.FewShot,
            plan.Concept,
            patchPath,
            baseModel,
            state,
            resume
        );
    }

    private sealed record Plan(
        string Concept,
        FewShotSettings Settings,
        IReadOnlyList<string> Images,
        ModelFiles Files,
        SchedulerConfig Scheduler,
        int Size,
        ComputeDevice Device
    );

    /// <summary>Every input checked, nothing heavy loaded.</summary>
    private static Plan Check(ErasureRequest request, StageTimer timings)
    {
        MethodInputs.Check(request, Rece.Engine.ErasureMethod.FewShot);
        if (request.Concepts.Count != 1 || string.IsNullOrWhiteSpace(request.Concepts[0]))
            throw new ErasureInputException(
                "--method fewshot unlearns one concept at a time: name exactly one --concept, e.g. --concept \"Van Gogh\"."
            );
        var settings = new FewShotSettings
        {
            Epochs = request.Epochs ?? new FewShotSettings().Epochs,
            LearningRate = request.LearningRate ?? new FewShotSettings().LearningRate,
            Template = request.Template ?? FewShotTemplates.Object,
            Seed = request.Seed ?? 0,
        };
        try
        {
            settings.Validate();
        }
        catch (ArgumentOutOfRangeException e)
        {
            throw ErasureInputException.From(e);
        }
        var images = ImageFiles(request.ImagesDirectory);
        var files = timings.Time("openModel", () => ModelFiles.Locate(request.ModelDirectory));
        var unetConfig = UNetConfig.Load(files.UNetConfig);
        var vaeConfig = VaeConfig.Load(files.VaeConfig);
        int size = request.Size ?? unetConfig.SampleSize * vaeConfig.ScaleFactor;
        if (size < vaeConfig.ScaleFactor || size % vaeConfig.ScaleFactor != 0 || size > TrainingDefaults.MaxSize)
            throw new ErasureInputException(
                $"--size must be a multiple of {vaeConfig.ScaleFactor} (the VAE's factor) up to {TrainingDefaults.MaxSize} (got {size})."
            );
        return new Plan(
            request.Concepts[0].Trim(),
            settings,
            images,
            files,
            SchedulerConfig.Load(files.SchedulerConfig),
            size,
            request.Device ?? ComputeDevice.Cpu
        );
    }

    /// <summary>The images decoded (and checked) first, so an unreadable one fails before the VAE loads; then their
    /// latents.</summary>
    private static Tensor EncodeImages(Plan plan, StageTimer timings, ILogger? log)
    {
        var pixels = timings.Time("loadImages", () => plan.Images.Select(path => Pixels(path, plan.Size)).ToList());
        log?.EncodingImages(plan.Images.Count, plan.Concept, plan.Size);
        using var generator = new Generator(unchecked((ulong)plan.Settings.Seed));
        return timings.Time("encodeImages", () => Latents(plan.Files, pixels, plan.Device, generator));
    }

    private static (ClipTextEncoder Encoder, UNet2DConditionModel UNet, ClipTokenizer Tokenizer) Load(
        Plan plan,
        StageTimer timings
    )
    {
        var encoder = timings.Time("loadTextEncoder", () =>
            ClipTextEncoder.Load(
                plan.Files.Model.TextEncoderConfigPath,
                plan.Files.Model.TextEncoderWeightsPath,
                plan.Device.Torch
            )
        );
        try
        {
            var unet = timings.Time("loadUNet", () =>
                UNet2DConditionModel.Load(
                    plan.Files.UNetConfig,
                    plan.Files.UNetWeights,
                    ScalarType.Float32,
                    plan.Device.Torch
                )
            );
            return (encoder, unet, ClipTokenizer.FromFolder(plan.Files.Model.TokenizerDirectory));
        }
        catch
        {
            encoder.Dispose();
            throw;
        }
    }

    /// <summary>The images (PNG, JPEG, WebP) in <paramref name="directory"/>, in name order.</summary>
    /// <exception cref="ErasureInputException">No folder, or no image in it, naming the fix.</exception>
    public static IReadOnlyList<string> ImageFiles(string? directory)
    {
        if (directory is null)
            throw new ErasureInputException(
                "--method fewshot learns from images of the concept: give --images DIR, a folder of a few PNG, JPEG or WebP images (the paper uses 4)."
            );
        if (!Directory.Exists(directory))
            throw new ErasureInputException($"The images folder {directory} does not exist.");
        var images = Directory
            .EnumerateFiles(directory)
            .Where(f => ImageExtensions.Contains(Path.GetExtension(f).ToLowerInvariant()))
            .Order(StringComparer.Ordinal)
            .ToList();
        if (images.Count == 0)
            throw new ErasureInputException(
                $"The images folder {directory} holds no PNG, JPEG or WebP image; put a few images of the concept there."
            );
        return images;
    }

    /// <summary>
    /// An image as the method's code feeds it to the VAE: RGB, resized to size x size with PIL's bicubic, scaled to
    /// [-1, 1] ([3, size, size], float32).
    /// </summary>
    private static Tensor Pixels(string path, int size)
    {
        var resized = Resampling.BicubicPil(LoadImage(path), size, size);
        return tensor(resized.Pixels, new long[] { size, size, 3 })
            .permute(2, 0, 1)
            .to(ScalarType.Float32)
            .div_(127.5)
            .sub_(1);
    }

    /// <exception cref="ErasureInputException">Not a readable image, naming the fix.</exception>
    public static RgbImage LoadImage(string path)
    {
        try
        {
            return RgbImage.Load(path);
        }
        catch (Rece.Evaluation.EvaluationInputException e)
        {
            throw new ErasureInputException($"{path} is not a readable image ({e.Message}); remove it or replace it.");
        }
    }

    /// <summary>Each image's latent, sampled from the VAE's distribution and scaled as the U-Net expects.</summary>
    private static Tensor Latents(
        ModelFiles files,
        IReadOnlyList<Tensor> pixels,
        ComputeDevice device,
        Generator generator
    )
    {
        using var noGrad = no_grad();
        using var vae = AutoencoderKL.Load(files.VaeConfig, files.VaeWeights, ScalarType.Float32, device.Torch);
        var latents = new List<Tensor>();
        foreach (var image in pixels)
        {
            var (mean, logVariance) = vae.Encode(image.unsqueeze(0).to(device.Torch));
            var noise = randn(mean.shape, dtype: ScalarType.Float32, generator: generator).to(device.Torch);
            var sample = mean.add(logVariance.mul(0.5).exp().mul(noise));
            if (vae.Config.ShiftFactor is { } shift)
                sample = sample.sub(shift);
            latents.Add(sample.mul(vae.Config.ScalingFactor));
        }
        return cat(latents, 0);
    }
}

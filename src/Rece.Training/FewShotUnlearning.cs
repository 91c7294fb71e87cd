using Rece.Engine;
using Rece.Models.Schedulers;
using Rece.Models.TextEncoder;
using Rece.Models.UNet;
using static TorchSharp.torch;

namespace Rece.Training;

/// <summary>
/// Few-shot text-encoder unlearning (Fuchi and Takagi, BMVC 2024), as its public code trains: gradient ascent on the
/// denoising loss of a few images of the concept, L = -mean ||eps_theta(z_t, t, E(p)) - eps||^2 with p a template
/// holding the concept and t uniform over the training timesteps, updating only the text encoder's MLPs and its last
/// self-attention; the U-Net is frozen (the same tensors, no copy) and the VAE is not needed once the images are
/// latents. The concept drifts to what the model holds near it rather than to a chosen target.
/// </summary>
public static class FewShotUnlearning
{
    private static readonly string[] Mlps = ["fc1", "fc2"];
    private static readonly string[] Projections = ["q_proj", "k_proj", "v_proj", "out_proj"];
    private static readonly string[] Parts = ["weight", "bias"];

    /// <summary>The weights it trains (its code's "mlp-final-attn"): fc1 and fc2 of every layer and the last layer's
    /// self-attention projections, weights and biases.</summary>
    public static IReadOnlyList<string> TrainedWeights(ClipTextConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        const string Prefix = "text_model.encoder.layers.";
        var names = new List<string>();
        for (int layer = 0; layer < config.NumHiddenLayers; layer++)
        {
            foreach (var fc in Mlps)
                names.AddRange(Parts.Select(p => $"{Prefix}{layer}.mlp.{fc}.{p}"));
        }
        int last = config.NumHiddenLayers - 1;
        foreach (var projection in Projections)
            names.AddRange(Parts.Select(p => $"{Prefix}{last}.self_attn.{projection}.{p}"));
        return names;
    }

    /// <summary>Trains <paramref name="encoder"/> in place (its trained weights become parameters).</summary>
    /// <param name="latents">The concept's images as the VAE encodes them, scaled ([N, C, h, w]); the paper's
    /// zero-shot variant passes random latents.</param>
    /// <param name="tokenize">A prompt's 77 token ids.</param>
    /// <param name="predictionType">The scheduler's: "epsilon" or "v_prediction".</param>
    /// <param name="progress">Receives (epoch, step, loss) after every step.</param>
    /// <returns>The loss of every step.</returns>
    public static IReadOnlyList<double> Train(
        ClipTextEncoder encoder,
        UNet2DConditionModel unet,
        NoiseSchedule schedule,
        string predictionType,
        Tensor latents,
        Func<string, int[]> tokenize,
        string concept,
        FewShotSettings settings,
        Action<int, int, double>? progress = null
    ) =>
        Run(
            encoder,
            unet,
            schedule,
            predictionType,
            latents,
            tokenize,
            concept,
            settings,
            settings.Epochs,
            resume: null,
            capture: false,
            progress
        ).Losses;

    /// <summary>
    /// <see cref="Train"/> up to the end of epoch <paramref name="untilEpoch"/> (1-based), continued from
    /// <paramref name="resume"/> (the state an earlier call returned; null: from the start): a run cut into parts this
    /// way equals, bit for bit, the uninterrupted one. The state returned holds the latents as input "latents".
    /// </summary>
    public static TrainingState TrainUntil(
        ClipTextEncoder encoder,
        UNet2DConditionModel unet,
        NoiseSchedule schedule,
        string predictionType,
        Tensor latents,
        Func<string, int[]> tokenize,
        string concept,
        FewShotSettings settings,
        int untilEpoch,
        TrainingState? resume,
        Action<int, int, double>? progress = null
    ) =>
        Run(
            encoder,
            unet,
            schedule,
            predictionType,
            latents,
            tokenize,
            concept,
            settings,
            untilEpoch,
            resume,
            capture: true,
            progress
        ).State!;

    private static (IReadOnlyList<double> Losses, TrainingState? State) Run(
        ClipTextEncoder encoder,
        UNet2DConditionModel unet,
        NoiseSchedule schedule,
        string predictionType,
        Tensor latents,
        Func<string, int[]> tokenize,
        string concept,
        FewShotSettings settings,
        int untilEpoch,
        TrainingState? resume,
        bool capture,
        Action<int, int, double>? progress
    )
    {
        ArgumentNullException.ThrowIfNull(encoder);
        ArgumentNullException.ThrowIfNull(unet);
        ArgumentNullException.ThrowIfNull(schedule);
        ArgumentNullException.ThrowIfNull(latents);
        ArgumentNullException.ThrowIfNull(tokenize);
        ArgumentNullException.ThrowIfNull(settings);
        settings.Validate();
        if (latents.ndim != 4 || latents.shape[0] == 0 || latents.shape[1] != unet.Config.InChannels)
            throw new ArgumentException(
                $"Few-shot unlearning needs at least one image's latents [N, {unet.Config.InChannels}, h, w], got [{string.Join(", ", latents.shape)}].",
                nameof(latents)
            );
        if (predictionType is not ("epsilon" or "v_prediction"))
            throw new ArgumentException(
                $"The scheduler's prediction type must be epsilon or v_prediction, got {predictionType}.",
                nameof(predictionType)
            );
        int from = resume?.Completed ?? 0;
        if (untilEpoch < from || untilEpoch > settings.Epochs)
            throw new ArgumentOutOfRangeException(
                nameof(untilEpoch),
                $"The run trains epochs {from + 1} to {settings.Epochs}; it cannot stop after epoch {untilEpoch}."
            );
        var templates = FewShotTemplates.For(settings.Template)!;
        var names = TrainedWeights(encoder.Config);
        var parameters = names.Select(encoder.Train).ToList();
        using var training = new ResumableTraining(
            ErasureMethod.FewShot.Name(),
            names,
            parameters,
            optim.Adam(
                parameters,
                lr: settings.LearningRate,
                beta1: settings.Beta1,
                beta2: settings.Beta2,
                eps: settings.Epsilon,
                weight_decay: settings.WeightDecay
            ),
            settings.Seed,
            resume
        );
        var (optimizer, generator, losses) = (training.Optimizer, training.Generator, training.Losses);
        using var alphas = tensor(schedule.AlphasCumprod.Select(a => (double)a).ToArray());
        long count = latents.shape[0];
        // The noise is drawn on the CPU (one generator for any device), so the noisy latents are formed there.
        using var hostLatents = latents.to(ScalarType.Float64, CPU);
        int timesteps = schedule.AlphasCumprod.Count;
        for (int epoch = from; epoch < untilEpoch; epoch++)
        {
            var order = randperm(count, generator: generator).data<long>().ToArray();
            int step = 0;
            foreach (var batch in order.Chunk(settings.BatchSize))
            {
                using var scope = NewDisposeScope();
                var z = hostLatents.index_select(0, tensor(batch));
                var prompts = batch
                    .Select(_ =>
                        string.Format(
                            System.Globalization.CultureInfo.InvariantCulture,
                            templates[
                                (int)randint(templates.Count, new long[] { 1 }, generator: generator).item<long>()
                            ],
                            concept
                        )
                    )
                    .ToList();
                var noise = randn(z.shape, dtype: ScalarType.Float64, generator: generator);
                var t = randint(timesteps, new long[] { batch.Length }, generator: generator);
                var ac = alphas.index_select(0, t).view(-1, 1, 1, 1);
                var noisy = z.mul(ac.sqrt()).add_(noise.mul((1 - ac).sqrt()));
                var target =
                    predictionType == "v_prediction" ? noise.mul(ac.sqrt()).sub_(z.mul((1 - ac).sqrt())) : noise;
                var context = encoder.Forward(prompts.Select(tokenize).ToList()).to(unet.DType);
                var predicted = unet.Forward(
                    noisy.to(unet.DType, unet.Device),
                    t.to(ScalarType.Float32, unet.Device),
                    context.to(unet.Device)
                );
                // Gradient ascent: the loss is the negated denoising error.
                // In float64, as the code takes it in at least float32: it is a mean over a few thousand values.
                var loss = predicted.to(ScalarType.Float64).sub(target.to(predicted.device)).pow(2).mean().neg();
                double value = TrainingSteps.Step(optimizer, loss, v =>
                    $"Few-shot unlearning diverged: the loss of epoch {epoch} step {step} is {v}; lower the learning rate."
                );
                losses.Add(value);
                progress?.Invoke(epoch, step++, value);
            }
        }
        var state = capture
            ? training.Capture(untilEpoch, new Dictionary<string, Tensor> { ["latents"] = latents })
            : null;
        TrainingSteps.Freeze(parameters);
        return (losses.ToList(), state);
    }
}

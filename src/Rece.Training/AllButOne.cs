using Rece.Engine;
using Rece.Models.UNet;
using static TorchSharp.torch;

namespace Rece.Training;

/// <summary>
/// All but One (Hong, Lee and Woo, AAAI 2024), from its stated objective (no public code exists): the guidance the
/// concept gives, eps'(x, c) - eps'(x, null), is trained toward the guidance the original model gives the alternative,
/// eps(x, a) - eps(x, null), while the unconditional score may not drift:
/// L = ||(eps'(x, c) - eps'(x, null)) - (eps(x, a) - eps(x, null))||^2 + β ||eps'(x, null) - eps(x, null)||^2
/// (each term a mean over the latent's values), on latents x of trajectories the original model generated for the
/// concept. eps is the frozen original: the same U-Net with only the trained tensors' original values kept beside it.
/// </summary>
public static class AllButOne
{
    private static readonly string[] CrossAttentionParts =
    [
        ".attn2.to_q.",
        ".attn2.to_k.",
        ".attn2.to_v.",
        ".attn2.to_out.0.",
    ];
    private static readonly string[] KeyValueParts = [".attn2.to_k.", ".attn2.to_v."];

    /// <summary>The U-Net weights <paramref name="parameters"/> names, in the layout's order.</summary>
    public static IReadOnlyList<string> TrainedWeights(UNetConfig config, string parameters)
    {
        ArgumentNullException.ThrowIfNull(config);
        var parts = parameters switch
        {
            AllButOneSettings.CrossAttention => CrossAttentionParts,
            AllButOneSettings.KeysAndValues => KeyValueParts,
            _ => throw new ArgumentOutOfRangeException(
                nameof(parameters),
                $"--train must be {AllButOneSettings.CrossAttention} or {AllButOneSettings.KeysAndValues} (got \"{parameters}\")."
            ),
        };
        return UNetLayout
            .Tensors(config)
            .Select(t => t.Name)
            .Where(name => parts.Any(part => name.Contains(part, StringComparison.Ordinal)))
            .ToList();
    }

    /// <summary>Trains <paramref name="unet"/> in place (its trained weights become parameters).</summary>
    /// <param name="trajectories">[samples, steps, C, h, w]: the latents as the U-Net took them at each step of the
    /// original model's sampling of the concept (any device).</param>
    /// <param name="timesteps">The timestep of each step.</param>
    /// <param name="concept">The concept's text embedding [1, 77, d] (the U-Net's dtype and device), as are
    /// <paramref name="alternative"/> and <paramref name="empty"/> (the empty prompt's).</param>
    /// <param name="progress">Receives (step, loss) after every step.</param>
    /// <returns>The loss of every step.</returns>
    public static IReadOnlyList<double> Train(
        UNet2DConditionModel unet,
        Tensor trajectories,
        IReadOnlyList<double> timesteps,
        Tensor concept,
        Tensor alternative,
        Tensor empty,
        AllButOneSettings settings,
        Action<int, double>? progress = null
    ) =>
        Run(
            unet,
            trajectories,
            timesteps,
            concept,
            alternative,
            empty,
            settings,
            settings.Steps,
            resume: null,
            capture: false,
            progress
        ).Losses;

    /// <summary>
    /// <see cref="Train"/> up to step <paramref name="untilStep"/>, continued from <paramref name="resume"/> (the
    /// state an earlier call returned; null: from the start), on the original model's weights: a run cut into parts
    /// this way equals, bit for bit, the uninterrupted one. The state returned holds the trajectories and timesteps
    /// as inputs "trajectories" and "timesteps".
    /// </summary>
    public static TrainingState TrainUntil(
        UNet2DConditionModel unet,
        Tensor trajectories,
        IReadOnlyList<double> timesteps,
        Tensor concept,
        Tensor alternative,
        Tensor empty,
        AllButOneSettings settings,
        int untilStep,
        TrainingState? resume,
        Action<int, double>? progress = null
    ) =>
        Run(
            unet,
            trajectories,
            timesteps,
            concept,
            alternative,
            empty,
            settings,
            untilStep,
            resume,
            capture: true,
            progress
        ).State!;

    private static (IReadOnlyList<double> Losses, TrainingState? State) Run(
        UNet2DConditionModel unet,
        Tensor trajectories,
        IReadOnlyList<double> timesteps,
        Tensor concept,
        Tensor alternative,
        Tensor empty,
        AllButOneSettings settings,
        int untilStep,
        TrainingState? resume,
        bool capture,
        Action<int, double>? progress
    )
    {
        ArgumentNullException.ThrowIfNull(unet);
        ArgumentNullException.ThrowIfNull(trajectories);
        ArgumentNullException.ThrowIfNull(timesteps);
        ArgumentNullException.ThrowIfNull(settings);
        settings.Validate();
        if (
            trajectories.ndim != 5
            || trajectories.shape[0] == 0
            || trajectories.shape[1] != timesteps.Count
            || timesteps.Count == 0
            || trajectories.shape[2] != unet.Config.InChannels
        )
            throw new ArgumentException(
                $"The trajectories must be [samples, {timesteps.Count} steps, {unet.Config.InChannels}, h, w], got [{string.Join(", ", trajectories.shape)}].",
                nameof(trajectories)
            );
        int from = resume?.Completed ?? 0;
        if (untilStep < from || untilStep > settings.Steps)
            throw new ArgumentOutOfRangeException(
                nameof(untilStep),
                $"The run trains steps {from + 1} to {settings.Steps}; it cannot stop after step {untilStep}."
            );
        var names = TrainedWeights(unet.Config, settings.Parameters);
        var originals = names.ToDictionary(name => name, name => unet.Weights[name].detach().clone());
        try
        {
            // The frozen original shares every tensor with the model being trained except the trained ones.
            using var frozen = unet.Sharing(originals);
            var parameters = names.Select(unet.Train).ToList();
            // Adam at torch's defaults but the learning rate, as ESD-x trains.
            using var training = new ResumableTraining(
                ErasureMethod.AllButOne.Name(),
                names,
                parameters,
                optim.Adam(parameters, lr: settings.LearningRate),
                settings.Seed,
                resume
            );
            var (optimizer, generator, losses) = (training.Optimizer, training.Generator, training.Losses);
            var device = unet.Device;
            var frozenContext = cat(new[] { alternative, empty }, 0);
            var trainedContext = cat(new[] { concept, empty }, 0);
            for (int step = from; step < untilStep; step++)
            {
                using var scope = NewDisposeScope();
                long sample = randint(trajectories.shape[0], new long[] { 1 }, generator: generator).item<long>();
                int k = (int)randint(timesteps.Count, new long[] { 1 }, generator: generator).item<long>();
                var x = trajectories[sample, k].unsqueeze(0).to(unet.DType, device).expand(2, -1, -1, -1);
                var t = full(new long[] { 2 }, timesteps[k], ScalarType.Float32, device: device);
                Tensor target,
                    unconditional;
                using (no_grad())
                {
                    var original = frozen.Forward(x, t, frozenContext).to(ScalarType.Float64);
                    target = original[0].sub(original[1]);
                    unconditional = original[1];
                }
                var edited = unet.Forward(x, t, trainedContext).to(ScalarType.Float64);
                var guidance = edited[0].sub(edited[1]);
                var loss = guidance
                    .sub(target)
                    .pow(2)
                    .mean()
                    .add(edited[1].sub(unconditional).pow(2).mean().mul(settings.Beta));
                double value = TrainingSteps.Step(optimizer, loss, v =>
                    $"All but One diverged: the loss of step {step} is {v}; lower the learning rate (--lr)."
                );
                losses.Add(value);
                progress?.Invoke(step, value);
            }
            TrainingState? state = null;
            if (capture)
            {
                using var times = tensor(timesteps.ToArray());
                state = training.Capture(
                    untilStep,
                    new Dictionary<string, Tensor> { ["trajectories"] = trajectories, ["timesteps"] = times }
                );
            }
            TrainingSteps.Freeze(parameters);
            return (losses.ToList(), state);
        }
        finally
        {
            foreach (var original in originals.Values)
                original.Dispose();
        }
    }
}

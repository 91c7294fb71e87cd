using Rece.Models.Diffusers;
using Rece.Models.UNet;
using static TorchSharp.torch;

namespace Rece.Training.Tests;

/// <summary>All but One's training on the tiny fixture's U-Net, in float64 so results compare exactly (the command's
/// float32 runs in <see cref="AllButOneJobTests"/>).</summary>
[Collection(TinyModelCollection.Name)]
public sealed class AllButOneTests(TinyModels models)
{
    private static readonly double[] Timesteps = [901, 501, 101];

    private sealed class Setup : IDisposable
    {
        public Setup(string root, int samples = 2, int steps = 3)
        {
            var model = DiffusersModel.Open(root);
            UNet = UNet2DConditionModel.Load(model.UNetConfigPath, model.UNetWeights[0].Path, ScalarType.Float64);
            var generator = new Generator(21);
            long d = UNet.Config.CrossAttentionDim;
            Trajectories = randn(
                new long[] { samples, steps, 4, 8, 8 },
                dtype: ScalarType.Float64,
                generator: generator
            );
            // Text embeddings of 5 tokens: the U-Net takes any length.
            Concept = randn(new long[] { 1, 5, d }, dtype: ScalarType.Float64, generator: generator);
            Alternative = randn(new long[] { 1, 5, d }, dtype: ScalarType.Float64, generator: generator);
            Empty = randn(new long[] { 1, 5, d }, dtype: ScalarType.Float64, generator: generator).mul(0.1);
        }

        public UNet2DConditionModel UNet { get; }

        public Tensor Trajectories { get; }

        public Tensor Concept { get; }

        public Tensor Alternative { get; }

        public Tensor Empty { get; }

        public IReadOnlyList<double> Train(AllButOneSettings settings) =>
            AllButOne.Train(
                UNet,
                Trajectories,
                Timesteps.Take((int)Trajectories.shape[1]).ToList(),
                Concept,
                Alternative,
                Empty,
                settings
            );

        /// <summary>eps(x, context) of the model as it is now, for every latent of the trajectories.</summary>
        public Tensor Predict(Tensor context)
        {
            using var noGrad = no_grad();
            var outputs = new List<Tensor>();
            for (long s = 0; s < Trajectories.shape[0]; s++)
            for (int k = 0; k < Trajectories.shape[1]; k++)
                outputs.Add(
                    UNet.Forward(Trajectories[s, k].unsqueeze(0), tensor(new[] { (float)Timesteps[k] }), context)
                );
            return cat(outputs, 0);
        }

        public void Dispose() => UNet.Dispose();
    }

    private static AllButOneSettings Settings(int steps = 40) =>
        new()
        {
            Steps = steps,
            LearningRate = 2e-3,
            Seed = 1,
        };

    [Fact]
    public void TheFirstLossIsTheGuidanceGapOfTheOriginalModel()
    {
        // One latent only: the first step sees it, and the trained copy still equals the original, so
        // L = mean((eps(x,c) - eps(x,null) - (eps(x,a) - eps(x,null)))^2) + β * 0 = mean((eps(x,c) - eps(x,a))^2).
        using var setup = new Setup(models.V1, samples: 1, steps: 1);
        using var c = setup.Predict(setup.Concept);
        using var a = setup.Predict(setup.Alternative);
        double expected = c.sub(a).pow(2).mean().item<double>();

        var losses = setup.Train(Settings(steps: 1) with { Beta = 5 });

        Assert.Equal(expected, losses[0], 1e-12);
        Assert.True(expected > 0);
    }

    [Fact]
    public void TrainingMovesTheConceptsGuidanceTowardTheAlternativesAndKeepsTheUnconditionalScore()
    {
        using var setup = new Setup(models.V1);
        using var empty0 = setup.Predict(setup.Empty);
        using var target = setup.Predict(setup.Alternative).sub(empty0);
        using var concept0 = setup.Predict(setup.Concept);
        double gapBefore = concept0.sub(empty0).sub(target).pow(2).mean().item<double>();

        var losses = setup.Train(Settings());

        using var empty1 = setup.Predict(setup.Empty);
        using var concept1 = setup.Predict(setup.Concept);
        double gapAfter = concept1.sub(empty1).sub(target).pow(2).mean().item<double>();
        double drift = empty1.sub(empty0).pow(2).mean().item<double>();
        Assert.True(gapAfter < 0.5 * gapBefore, $"guidance gap {gapBefore} -> {gapAfter}");
        Assert.True(drift < 0.05 * gapBefore, $"unconditional drift {drift} against the gap {gapBefore}");
        Assert.Equal(40, losses.Count);
        Assert.True(losses.TakeLast(5).Average() < losses.Take(5).Average(), string.Join(", ", losses));
    }

    [Theory]
    [InlineData(AllButOneSettings.CrossAttention, 4)]
    [InlineData(AllButOneSettings.KeysAndValues, 2)]
    public void OnlyTheNamedCrossAttentionWeightsChange(string parameters, int perBlock)
    {
        using var setup = new Setup(models.V1);
        var before = setup.UNet.Weights.ToDictionary(kv => kv.Key, kv => kv.Value.detach().clone());
        var trained = AllButOne.TrainedWeights(setup.UNet.Config, parameters).ToHashSet();

        setup.Train(Settings(steps: 3) with { Parameters = parameters });

        int blocks = UNetLayout.CrossAttentionKeysAndValues(setup.UNet.Config).Count / 2;
        // xattn: to_q, to_k, to_v weights and to_out.0's weight and bias; kv: to_k and to_v.
        Assert.Equal(perBlock == 4 ? 5 * blocks : 2 * blocks, trained.Count);
        Assert.All(trained, name => Assert.Contains(".attn2.", name, StringComparison.Ordinal));
        foreach (var (name, weight) in setup.UNet.Weights)
        {
            bool same = weight.equal(before[name]).all().item<bool>();
            Assert.True(same != trained.Contains(name), $"{name}: trained {trained.Contains(name)}");
            Assert.False(weight.requires_grad, name);
        }
    }

    [Fact]
    public void ARunCutAtCheckpointsAndContinuedFromItsWrittenStateEqualsTheUninterruptedRun()
    {
        using var whole = new Setup(models.V1);
        var losses = whole.Train(Settings(steps: 5));
        var times = Timesteps.Take(3).ToList();
        using var folder = new Rece.Testing.TempFolder("training-state");
        string path = Path.Combine(folder.Path, "state.safetensors");
        TrainingState? state = null;
        UNet2DConditionModel? last = null;
        // Each part on a freshly loaded model, as a worker job starts: only the written state carries over.
        foreach (int until in new[] { 2, 2, 5 })
        {
            using var part = new Setup(models.V1);
            using (var resumed = state is null ? null : TrainingState.Read(path))
            {
                state?.Dispose();
                state = AllButOne.TrainUntil(
                    part.UNet,
                    part.Trajectories,
                    times,
                    part.Concept,
                    part.Alternative,
                    part.Empty,
                    Settings(steps: 5),
                    until,
                    resumed
                );
            }
            state.Write(path);
            if (until == 5)
            {
                foreach (var name in AllButOne.TrainedWeights(part.UNet.Config, AllButOneSettings.CrossAttention))
                    Assert.True(part.UNet.Weights[name].equal(whole.UNet.Weights[name]).all().item<bool>(), name);
                last = part.UNet;
            }
        }
        Assert.NotNull(last);
        Assert.Equal(losses, state!.Losses);
        Assert.Equal(5, state.Completed);
        Assert.True(state.Inputs["trajectories"].equal(whole.Trajectories).all().item<bool>());
        state.Dispose();
    }

    [Fact]
    public void AStateContinuesOnlyItsOwnMethodAndTensorsAndNoStepBeforeIt()
    {
        using var setup = new Setup(models.V1);
        var times = Timesteps.Take(3).ToList();
        using var state = AllButOne.TrainUntil(
            setup.UNet,
            setup.Trajectories,
            times,
            setup.Concept,
            setup.Alternative,
            setup.Empty,
            Settings(steps: 4),
            2,
            null
        );
        using var other = new Setup(models.V1);
        var kv = Settings(steps: 4) with { Parameters = AllButOneSettings.KeysAndValues };
        var e = Assert.Throws<ArgumentException>(() =>
            AllButOne.TrainUntil(
                other.UNet,
                other.Trajectories,
                times,
                other.Concept,
                other.Alternative,
                other.Empty,
                kv,
                4,
                state
            )
        );
        Assert.Contains("other tensors", e.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentOutOfRangeException>(() =>
            AllButOne.TrainUntil(
                other.UNet,
                other.Trajectories,
                times,
                other.Concept,
                other.Alternative,
                other.Empty,
                Settings(steps: 4),
                1,
                state
            )
        );
    }

    [Fact]
    public void TheSameSeedGivesTheSameLossesAndWeights()
    {
        using var first = new Setup(models.V1);
        using var second = new Setup(models.V1);
        var a = first.Train(Settings(steps: 6));
        var b = second.Train(Settings(steps: 6));
        Assert.Equal(a, b);
        foreach (var name in AllButOne.TrainedWeights(first.UNet.Config, AllButOneSettings.CrossAttention))
            Assert.True(first.UNet.Weights[name].equal(second.UNet.Weights[name]).all().item<bool>(), name);
    }

    [Fact]
    public void BadSettingsAndTrajectoriesAreRefused()
    {
        using var setup = new Setup(models.V1);
        Assert.Throws<ArgumentOutOfRangeException>(() => setup.Train(Settings() with { Steps = 0 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => setup.Train(Settings() with { Beta = -1 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => setup.Train(Settings() with { Parameters = "all" }));
        Assert.Throws<ArgumentException>(() =>
            AllButOne.Train(
                setup.UNet,
                setup.Trajectories,
                [901],
                setup.Concept,
                setup.Alternative,
                setup.Empty,
                Settings()
            )
        );
    }
}

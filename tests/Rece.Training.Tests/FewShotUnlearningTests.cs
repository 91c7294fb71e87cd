using Rece.Models.Diffusers;
using Rece.Models.Safetensors;
using Rece.Models.Schedulers;
using Rece.Models.TextEncoder;
using Rece.Models.Tokenization;
using Rece.Models.UNet;
using static TorchSharp.torch;

namespace Rece.Training.Tests;

/// <summary>Few-shot text-encoder unlearning's training on the tiny fixture, in float64 so results compare exactly
/// (the command's float32 runs in <see cref="FewShotJobTests"/>).</summary>
[Collection(TinyModelCollection.Name)]
public sealed class FewShotUnlearningTests(TinyModels models)
{
    private sealed class Setup : IDisposable
    {
        public Setup(string root, ScalarType dtype = ScalarType.Float64)
        {
            var model = DiffusersModel.Open(root);
            using (var loaded = ClipTextEncoder.Load(model.TextEncoderConfigPath, model.TextEncoderWeightsPath))
                Encoder = ClipTextEncoder.FromWeights(
                    loaded.Config,
                    loaded.Weights.ToDictionary(kv => kv.Key, kv => kv.Value.to(dtype).DetachFromDisposeScope())
                );
            UNet = UNet2DConditionModel.Load(model.UNetConfigPath, model.UNetWeights[0].Path, dtype);
            Tokenizer = ClipTokenizer.FromFolder(model.TokenizerDirectory);
            Schedule = NoiseSchedule.From(
                SchedulerConfig.Load(Path.Combine(root, "scheduler", DiffusersModel.SchedulerConfigFile))
            );
            // Four "images" of the concept (the tiny U-Net's 8 x 8 latents).
            Latents = randn(new long[] { 4, 4, 8, 8 }, dtype: dtype, generator: new Generator(77)).mul(0.2);
        }

        public ClipTextEncoder Encoder { get; }

        public UNet2DConditionModel UNet { get; }

        public ClipTokenizer Tokenizer { get; }

        public NoiseSchedule Schedule { get; }

        public Tensor Latents { get; }

        public int[] Tokenize(string text) => Tokenizer.Encode(text).Ids.ToArray();

        public IReadOnlyList<double> Train(FewShotSettings settings) =>
            FewShotUnlearning.Train(Encoder, UNet, Schedule, "epsilon", Latents, Tokenize, "cat", settings);

        /// <summary>The mean denoising error of the concept's prompts on fixed noise and timesteps.</summary>
        public double DenoisingError()
        {
            using var noGrad = no_grad();
            using var scope = NewDisposeScope();
            var generator = new Generator(99);
            var noise = randn(Latents.shape, generator: generator);
            var t = tensor(new float[] { 50, 300, 600, 900 });
            noise = noise.to(Latents.dtype);
            var context = Encoder.Forward(
                new[] { "a photo of a cat", "a photo of the cat", "a rendering of a cat", "a good photo of a cat" }
                    .Select(Tokenize)
                    .ToList()
            );
            var predicted = UNet.Forward(Latents.add(noise), t, context);
            return predicted.sub(noise).pow(2).mean().item<double>();
        }

        public Dictionary<string, byte[]> EncoderBytes() =>
            Encoder.Weights.ToDictionary(kv => kv.Key, kv => TorchTensors.ToBytes(kv.Value.detach()));

        public void Dispose()
        {
            Encoder.Dispose();
            UNet.Dispose();
            Latents.Dispose();
        }
    }

    [Fact]
    public void TrainingRaisesTheConceptsDenoisingError()
    {
        using var setup = new Setup(models.V1);
        double before = setup.DenoisingError();
        var losses = setup.Train(new FewShotSettings { LearningRate = 1e-3, Epochs = 3 });
        double after = setup.DenoisingError();
        Assert.Equal(6, losses.Count);
        Assert.All(losses, l => Assert.True(l < 0, "the loss is the negated error"));
        Assert.True(after > before, $"denoising error {before} -> {after}");
    }

    [Fact]
    public void OnlyTheMlpsAndTheLastSelfAttentionChangeAndTheUNetNot()
    {
        using var setup = new Setup(models.V1);
        var before = setup.EncoderBytes();
        var unetBefore = setup.UNet.Weights.ToDictionary(kv => kv.Key, kv => TorchTensors.ToBytes(kv.Value));
        setup.Train(new FewShotSettings { LearningRate = 1e-3, Epochs = 1 });
        var after = setup.EncoderBytes();
        var trained = FewShotUnlearning.TrainedWeights(setup.Encoder.Config).ToHashSet();
        foreach (var (name, bytes) in before)
        {
            if (trained.Contains(name))
                Assert.False(bytes.AsSpan().SequenceEqual(after[name]), $"{name} should be trained");
            else
                Assert.True(bytes.AsSpan().SequenceEqual(after[name]), $"{name} must not change");
        }
        Assert.All(setup.UNet.Weights, kv => Assert.Equal(unetBefore[kv.Key], TorchTensors.ToBytes(kv.Value)));
        Assert.All(setup.Encoder.Weights.Values, w => Assert.False(w.requires_grad));
    }

    [Fact]
    public void ARunCutAfterEachEpochAndContinuedFromItsWrittenStateEqualsTheUninterruptedRun()
    {
        var settings = new FewShotSettings
        {
            LearningRate = 1e-3,
            Epochs = 3,
            Seed = 4,
        };
        using var whole = new Setup(models.V1);
        var losses = whole.Train(settings);
        var expected = whole.EncoderBytes();
        using var folder = new Rece.Testing.TempFolder("training-state");
        string path = Path.Combine(folder.Path, "state.safetensors");
        for (int epoch = 1; epoch <= 3; epoch++)
        {
            // Each epoch on a freshly loaded model, as a worker job starts: only the written state carries over.
            using var part = new Setup(models.V1);
            using var resumed = epoch == 1 ? null : TrainingState.Read(path);
            using var state = FewShotUnlearning.TrainUntil(
                part.Encoder,
                part.UNet,
                part.Schedule,
                "epsilon",
                part.Latents,
                part.Tokenize,
                "cat",
                settings,
                epoch,
                resumed
            );
            state.Write(path);
            Assert.Equal(epoch, state.Completed);
            Assert.Equal(losses.Take(2 * epoch), state.Losses);
            if (epoch == 3)
                Assert.All(part.EncoderBytes(), kv => Assert.Equal(expected[kv.Key], kv.Value));
            else
                Assert.Contains(part.EncoderBytes(), kv => !kv.Value.AsSpan().SequenceEqual(expected[kv.Key]));
        }
    }

    [Fact]
    public void AStateOfAnotherMethodIsRefused()
    {
        using var setup = new Setup(models.V1);
        var settings = new FewShotSettings { LearningRate = 1e-3, Epochs = 2 };
        using var state = FewShotUnlearning.TrainUntil(
            setup.Encoder,
            setup.UNet,
            setup.Schedule,
            "epsilon",
            setup.Latents,
            setup.Tokenize,
            "cat",
            settings,
            1,
            null
        );
        using var foreign = new TrainingState(
            "all-but-one",
            1,
            state.Names,
            state.Weights,
            state.Moments,
            state.Generator,
            state.Losses,
            new Dictionary<string, Tensor>()
        );
        using var other = new Setup(models.V1);
        var e = Assert.Throws<ArgumentException>(() =>
            FewShotUnlearning.TrainUntil(
                other.Encoder,
                other.UNet,
                other.Schedule,
                "epsilon",
                other.Latents,
                other.Tokenize,
                "cat",
                settings,
                2,
                foreign
            )
        );
        Assert.Contains("all-but-one", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void TheSameSeedGivesTheSameWeightsAndAnotherSeedOthers()
    {
        Dictionary<string, byte[]> Run(long seed)
        {
            using var setup = new Setup(models.V1);
            setup.Train(new FewShotSettings { LearningRate = 1e-3, Seed = seed });
            return setup.EncoderBytes();
        }
        var first = Run(1);
        var again = Run(1);
        var other = Run(2);
        Assert.All(first, kv => Assert.Equal(kv.Value, again[kv.Key]));
        Assert.Contains(first, kv => !kv.Value.AsSpan().SequenceEqual(other[kv.Key]));
    }

    [Fact]
    public void TheTrainedWeightsAreEveryMlpAndTheLastSelfAttention()
    {
        using var setup = new Setup(models.V1);
        int layers = setup.Encoder.Config.NumHiddenLayers;
        var names = FewShotUnlearning.TrainedWeights(setup.Encoder.Config);
        Assert.Equal(layers * 4 + 8, names.Count);
        Assert.All(names, n => Assert.True(setup.Encoder.Weights.ContainsKey(n), n));
        Assert.Contains($"text_model.encoder.layers.{layers - 1}.self_attn.out_proj.bias", names);
        Assert.DoesNotContain("text_model.encoder.layers.0.self_attn.q_proj.weight", names);
    }

    [Fact]
    public void BadInputsAreRefusedBeforeAnyTraining()
    {
        using var setup = new Setup(models.V1);
        var before = setup.EncoderBytes();
        using var none = zeros(0, 4, 8, 8);
        Assert.Throws<ArgumentException>(() =>
            FewShotUnlearning.Train(
                setup.Encoder,
                setup.UNet,
                setup.Schedule,
                "epsilon",
                none,
                setup.Tokenize,
                "cat",
                new FewShotSettings()
            )
        );
        var template = Assert.Throws<ArgumentOutOfRangeException>(() =>
            setup.Train(new FewShotSettings { Template = "landscape" })
        );
        Assert.Contains("object or style", template.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentOutOfRangeException>(() => setup.Train(new FewShotSettings { Epochs = 0 }));
        Assert.All(before, kv => Assert.Equal(kv.Value, setup.EncoderBytes()[kv.Key]));
    }
}

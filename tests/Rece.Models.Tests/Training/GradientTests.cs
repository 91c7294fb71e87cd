using Rece.Models.Diffusers;
using Rece.Models.Fixtures;
using Rece.Models.TextEncoder;
using Rece.Models.UNet;
using static TorchSharp.torch;

namespace Rece.Models.Tests.Training;

/// <summary>
/// The training path: autograd through the text encoder and the U-Net (the denoising loss of a text) gives the
/// derivative that central finite differences measure, for weights of both, in float64 on the tiny fixture.
/// </summary>
public sealed class GradientTests : IDisposable
{
    private readonly TempFolder _folder = new("gradients");
    private readonly ClipTextEncoder _encoder;
    private readonly UNet2DConditionModel _unet;
    private readonly Tensor _latents;
    private readonly Tensor _noise;
    private readonly int[][] _tokens;

    public GradientTests()
    {
        RandomModelFixture.Write(_folder.Path, FixtureKind.Tiny, seed: 3);
        var model = DiffusersModel.Open(_folder.Path);
        using (var loaded = ClipTextEncoder.Load(model.TextEncoderConfigPath, model.TextEncoderWeightsPath))
            _encoder = ClipTextEncoder.FromWeights(
                loaded.Config,
                loaded.Weights.ToDictionary(
                    kv => kv.Key,
                    kv => kv.Value.to(ScalarType.Float64).DetachFromDisposeScope()
                )
            );
        _unet = UNet2DConditionModel.Load(model.UNetConfigPath, model.UNetWeights[0].Path, ScalarType.Float64);
        var generator = new Generator(5);
        _latents = randn(new long[] { 2, 4, 8, 8 }, dtype: ScalarType.Float64, generator: generator);
        _noise = randn(new long[] { 2, 4, 8, 8 }, dtype: ScalarType.Float64, generator: generator);
        int length = _encoder.Config.MaxPositionEmbeddings;
        _tokens = new[] { Tokens(length, 7, 12), Tokens(length, 20, 3) };
    }

    private static int[] Tokens(int length, params int[] words)
    {
        // Start token, the words, then end/padding tokens (the fixture's vocabulary ends with them).
        var ids = Enumerable.Repeat(1, length).ToArray();
        ids[0] = 0;
        words.CopyTo(ids, 1);
        return ids;
    }

    /// <summary>||eps_theta(z_t, t, E(p)) - eps||^2, summed.</summary>
    private Tensor Loss()
    {
        var context = _encoder.Forward(_tokens);
        var timesteps = tensor(new float[] { 10, 500 });
        var predicted = _unet.Forward(_latents, timesteps, context);
        return predicted.sub(_noise).pow(2).sum();
    }

    [Theory]
    [InlineData("text_model.encoder.layers.0.mlp.fc1.weight", true)]
    [InlineData("text_model.encoder.layers.1.self_attn.q_proj.weight", true)]
    [InlineData("text_model.final_layer_norm.weight", true)]
    [InlineData("down_blocks.0.attentions.0.transformer_blocks.0.attn2.to_k.weight", false)]
    [InlineData("down_blocks.0.attentions.0.transformer_blocks.0.ff.net.0.proj.weight", false)]
    [InlineData("down_blocks.0.resnets.0.norm1.weight", false)]
    public void AutogradMatchesCentralDifferences(string name, bool textEncoder)
    {
        var weight = (textEncoder ? _encoder.Weights : _unet.Weights)[name];
        weight.requires_grad_(true);
        try
        {
            using (var loss = Loss())
                loss.backward();
            var gradient = weight.grad!.clone();
            weight.grad!.zero_();
            var flat = gradient.flatten();
            // The three entries with the largest gradients and one in the middle of the tensor.
            var entries = flat.abs().topk(3).indexes.data<long>().ToList();
            entries.Add(flat.shape[0] / 2);
            const double Step = 1e-6;
            foreach (long index in entries)
            {
                double Perturbed(double delta)
                {
                    using var noGrad = no_grad();
                    var view = weight.view(-1);
                    double original = view[index].item<double>();
                    view[index] = original + delta;
                    double value = Loss().item<double>();
                    view[index] = original;
                    return value;
                }
                double numeric = (Perturbed(Step) - Perturbed(-Step)) / (2 * Step);
                double analytic = flat[index].item<double>();
                Assert.True(
                    Math.Abs(numeric - analytic) <= 1e-6 * Math.Max(1, Math.Abs(numeric)),
                    $"{name}[{index}]: autograd {analytic}, central difference {numeric}"
                );
            }
            Assert.True(gradient.abs().max().item<double>() > 0, "the loss depends on the weight");
        }
        finally
        {
            weight.requires_grad_(false);
        }
    }

    [Fact]
    public void FrozenWeightsGetNoGradientAndInferenceIsUnchanged()
    {
        var trained = _encoder.Weights["text_model.encoder.layers.0.mlp.fc2.weight"];
        var before = Loss().item<double>();
        trained.requires_grad_(true);
        try
        {
            using var loss = Loss();
            Assert.Equal(before, loss.item<double>(), 12);
            loss.backward();
            Assert.NotNull(trained.grad);
            Assert.All(
                _unet.Weights.Values.Concat(_encoder.Weights.Values.Where(w => !ReferenceEquals(w, trained))),
                w => Assert.Null(w.grad)
            );
        }
        finally
        {
            trained.requires_grad_(false);
        }
    }

    public void Dispose()
    {
        _encoder.Dispose();
        _unet.Dispose();
        _folder.Dispose();
    }
}

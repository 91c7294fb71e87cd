using Rece.Models.Safetensors;
using Rece.Models.TextEncoder;
using static TorchSharp.torch;

namespace Rece.Models.Tests.TextEncoder;

public class ClipTextEncoderTests
{
    private static ClipTextConfig Tiny(string act) =>
        new()
        {
            VocabSize = 50,
            HiddenSize = 8,
            IntermediateSize = 12,
            NumAttentionHeads = 2,
            NumHiddenLayers = 2,
            HiddenAct = act,
            LayerNormEps = 1e-5,
        };

    private static Dictionary<string, Tensor> RandomWeights(ClipTextConfig config, int seed)
    {
        var g = new Generator((ulong)seed);
        return config
            .Layout()
            .ToDictionary(
                s => s.Name,
                s =>
                    randn(s.Shape, generator: g)
                        .mul_(s.Name.Contains("norm") ? 0.3 : 0.5)
                        .add_(
                            s.Name.EndsWith("layer_norm1.weight")
                            || s.Name.EndsWith("layer_norm2.weight")
                            || s.Name.EndsWith("final_layer_norm.weight")
                                ? 1.0
                                : 0.0
                        )
            );
    }

    [Theory]
    [InlineData("quick_gelu")]
    [InlineData("gelu")]
    public void LastHiddenStateMatchesAStraightforwardComputation(string act)
    {
        var config = Tiny(act);
        var weights = RandomWeights(config, seed: act.Length);
        using var encoder = ClipTextEncoder.FromWeights(config, weights);
        var ids = new[]
        {
            Enumerable.Range(0, 77).Select(i => (i * 7 + 3) % 50).ToArray(),
            Enumerable.Range(0, 77).Select(i => i < 5 ? i + 1 : 49).ToArray(),
        };

        using var actual = encoder.Encode(ids);

        Assert.Equal(new long[] { 2, 77, 8 }, actual.shape);
        var values = actual.data<float>().ToArray();
        for (int b = 0; b < ids.Length; b++)
        {
            var expected = NaiveClip.Forward(
                config,
                weights.ToDictionary(kv => kv.Key, kv => kv.Value.to(ScalarType.Float64).data<double>().ToArray()),
                ids[b]
            );
            for (int t = 0; t < 77; t++)
            for (int j = 0; j < 8; j++)
                Assert.True(
                    Math.Abs(values[(b * 77 + t) * 8 + j] - expected[t, j]) < 2e-4,
                    $"batch {b} position {t} channel {j}: {values[(b * 77 + t) * 8 + j]} vs {expected[t, j]}"
                );
        }
    }

    [Fact]
    public void BatchedAndSingleEncodingsAgree()
    {
        var config = Tiny("quick_gelu");
        using var encoder = ClipTextEncoder.FromWeights(config, RandomWeights(config, 3));
        var a = Enumerable.Range(0, 77).Select(i => i % 50).ToArray();
        var b = Enumerable.Range(0, 77).Select(i => (49 - i % 50)).ToArray();
        using var both = encoder.Encode(new[] { a, b });
        using var single = encoder.Encode(new[] { b });
        Assert.True(both[1].allclose(single[0], rtol: 1e-5, atol: 1e-6));
    }

    [Fact]
    public void LoadsStrictlyAndNamesTheOffendingTensor()
    {
        var config = Tiny("quick_gelu");
        using var dir = new TempFolder();
        string configPath = Path.Combine(dir.Path, "config.json");
        Configuration.JsonConfig.Write(configPath, config.ToJson());
        var weights = RandomWeights(config, 5);

        void Save(string file, IEnumerable<KeyValuePair<string, Tensor>> tensors) =>
            SafetensorsWriter.Write(
                Path.Combine(dir.Path, file),
                tensors.Select(kv => TorchTensors.ToWrite(kv.Key, kv.Value)).ToList()
            );

        Save(
            "good.safetensors",
            weights.Append(new(ClipTextConfig.PositionIdsBuffer, arange(77, dtype: ScalarType.Int64).unsqueeze(0)))
        );
        using (var loaded = ClipTextEncoder.Load(configPath, Path.Combine(dir.Path, "good.safetensors")))
            Assert.Equal(8, loaded.Config.HiddenSize);

        Save("missing.safetensors", weights.Where(kv => kv.Key != "text_model.encoder.layers.1.mlp.fc2.bias"));
        var missing = Assert.Throws<ModelFormatException>(() =>
            ClipTextEncoder.Load(configPath, Path.Combine(dir.Path, "missing.safetensors"))
        );
        Assert.Contains("text_model.encoder.layers.1.mlp.fc2.bias", missing.Message);

        Save(
            "shape.safetensors",
            weights.Select(kv =>
                kv.Key == "text_model.final_layer_norm.weight" ? new KeyValuePair<string, Tensor>(kv.Key, ones(9)) : kv
            )
        );
        var shape = Assert.Throws<ModelFormatException>(() =>
            ClipTextEncoder.Load(configPath, Path.Combine(dir.Path, "shape.safetensors"))
        );
        Assert.Contains("text_model.final_layer_norm.weight", shape.Message);
        Assert.Contains("[9]", shape.Message);

        Save("extra.safetensors", weights.Append(new("text_projection.weight", ones(8, 8))));
        var extra = Assert.Throws<ModelFormatException>(() =>
            ClipTextEncoder.Load(configPath, Path.Combine(dir.Path, "extra.safetensors"))
        );
        Assert.Contains("text_projection.weight", extra.Message);
    }

    [Fact]
    public void TheClipVitL14LayoutHasTheKnownParameterCount()
    {
        Assert.Equal(123_060_480, ClipTextConfig.ClipVitL14.Layout().Sum(s => s.ElementCount));
        Assert.Equal(23, ClipTextConfig.OpenClipVitH14.NumHiddenLayers);
    }

    [Fact]
    public void UnknownArchitectureAndActivationAreRefused()
    {
        using var dir = new TempFolder();
        string path = Path.Combine(dir.Path, "config.json");
        var json = ClipTextConfig.ClipVitL14.ToJson();
        json["architectures"] = new System.Text.Json.Nodes.JsonArray("CLIPTextModelWithProjection");
        Configuration.JsonConfig.Write(path, json);
        Assert.Contains(
            "CLIPTextModelWithProjection",
            Assert.Throws<ModelFormatException>(() => ClipTextConfig.Load(path)).Message
        );

        json = ClipTextConfig.ClipVitL14.ToJson();
        json["hidden_act"] = "relu";
        Configuration.JsonConfig.Write(path, json);
        Assert.Contains("relu", Assert.Throws<ModelFormatException>(() => ClipTextConfig.Load(path)).Message);
    }
}

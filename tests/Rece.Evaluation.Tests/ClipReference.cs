using Rece.Evaluation.Clip;
using Rece.Evaluation.Images;
using Rece.Models.Safetensors;
using Rece.Models.Tokenization;
using static TorchSharp.torch;

namespace Rece.Evaluation.Tests;

/// <summary>
/// An independent, plain CLIP forward pass in float64 for checking ClipScorer: patches cut out with reshape/permute
/// instead of a convolution, attention as explicit softmax(Q K^T / sqrt(d)) V with a hand-made causal mask, layer norm
/// from its definition, and pixels from the textbook preprocessing of an image that needs no resize.
/// </summary>
public sealed class ClipReference : IDisposable
{
    private readonly Dictionary<string, Tensor> _w = new();
    private readonly ClipModelConfig _config;

    public ClipReference(string directory)
    {
        _config = ClipModelConfig.Load(Path.Combine(directory, "config.json"));
        using var file = SafetensorsFile.Open(Path.Combine(directory, "model.safetensors"));
        foreach (var info in file.Tensors)
            _w[info.Name] = TorchTensors.Read(file, info).to(ScalarType.Float64).DetachFromDisposeScope();
    }

    public double Score(RgbImage image224, string prompt, ClipTokenizer tokenizer)
    {
        using var scope = NewDisposeScope();
        var img = ImageEmbedding(image224);
        var txt = TextEmbedding(prompt, tokenizer);
        return 100.0 * img.dot(txt).item<double>() / (img.norm().item<double>() * txt.norm().item<double>());
    }

    private Tensor ImageEmbedding(RgbImage image)
    {
        var v = _config.Vision;
        int s = v.ImageSize,
            p = v.PatchSize,
            g = s / p;
        var pixels = zeros(3, s, s, dtype: ScalarType.Float64);
        var data = new double[3 * s * s];
        for (int c = 0; c < 3; c++)
        for (int y = 0; y < s; y++)
        for (int x = 0; x < s; x++)
            data[c * s * s + y * s + x] =
                (image[x, y, c] / 255.0 - ClipImagePreprocessor.ClipMean[c]) / ClipImagePreprocessor.ClipStd[c];
        pixels = tensor(data, new long[] { 3, s, s });
        // [3, g, p, g, p] -> [g, g, 3, p, p] -> one row per patch, flattened like the conv kernel [d, 3, p, p].
        var patches = pixels.view(3, g, p, g, p).permute(1, 3, 0, 2, 4).reshape(g * g, 3 * p * p);
        var kernel = _w["vision_model.embeddings.patch_embedding.weight"].reshape(v.HiddenSize, 3 * p * p);
        var x0 = cat(new[] { _w["vision_model.embeddings.class_embedding"].view(1, -1), patches.mm(kernel.t()) }, 0)
            .add(_w["vision_model.embeddings.position_embedding.weight"]);
        var h = LayerNorm(x0, "vision_model.pre_layrnorm", v.LayerNormEps);
        h = Encoder(h, "vision_model", v.NumHiddenLayers, v.NumAttentionHeads, causal: false, v.LayerNormEps);
        var pooled = LayerNorm(h[0], "vision_model.post_layernorm", v.LayerNormEps);
        return _w["visual_projection.weight"].mv(pooled);
    }

    private Tensor TextEmbedding(string prompt, ClipTokenizer tokenizer)
    {
        var t = _config.Text;
        var ids = tokenizer.Encode(prompt).Ids;
        // argmax of the ids: the first end-of-text token, as transformers pools.
        int eos = Array.IndexOf(ids, ids.Max());
        var rows = ids.Select(id => _w["text_model.embeddings.token_embedding.weight"][id]).ToArray();
        var x = stack(rows).add(_w["text_model.embeddings.position_embedding.weight"]);
        x = Encoder(x, "text_model", t.NumHiddenLayers, t.NumAttentionHeads, causal: true, t.LayerNormEps);
        x = LayerNorm(x, "text_model.final_layer_norm", t.LayerNormEps);
        return _w["text_projection.weight"].mv(x[eos]);
    }

    private Tensor Encoder(Tensor x, string prefix, int layers, int heads, bool causal, double eps)
    {
        long n = x.shape[0],
            d = x.shape[1],
            hd = d / heads;
        var mask = causal
            ? triu(full(n, n, double.NegativeInfinity, dtype: ScalarType.Float64), 1)
            : zeros(n, n, dtype: ScalarType.Float64);
        for (int i = 0; i < layers; i++)
        {
            string p = $"{prefix}.encoder.layers.{i}.";
            var h = LayerNorm(x, p + "layer_norm1", eps);
            var q = Linear(h, p + "self_attn.q_proj");
            var k = Linear(h, p + "self_attn.k_proj");
            var v = Linear(h, p + "self_attn.v_proj");
            var outputs = new List<Tensor>();
            for (int head = 0; head < heads; head++)
            {
                var qh = q.narrow(1, head * hd, hd);
                var kh = k.narrow(1, head * hd, hd);
                var vh = v.narrow(1, head * hd, hd);
                var scores = qh.mm(kh.t()).div(Math.Sqrt(hd)).add(mask);
                var weights = scores.sub(scores.max(1, keepdim: true).values).exp();
                weights = weights.div(weights.sum(1, keepdim: true));
                outputs.Add(weights.mm(vh));
            }
            x = x.add(Linear(cat(outputs, 1), p + "self_attn.out_proj"));
            var f = Linear(LayerNorm(x, p + "layer_norm2", eps), p + "mlp.fc1");
            f = f.mul(f.mul(1.702).sigmoid());
            x = x.add(Linear(f, p + "mlp.fc2"));
        }
        return x;
    }

    private Tensor Linear(Tensor x, string prefix) => x.mm(_w[prefix + ".weight"].t()).add(_w[prefix + ".bias"]);

    private Tensor LayerNorm(Tensor x, string prefix, double eps)
    {
        var mean = x.mean(new long[] { -1 }, keepdim: true);
        var variance = x.sub(mean).pow(2).mean(new long[] { -1 }, keepdim: true);
        return x.sub(mean).div(variance.add(eps).sqrt()).mul(_w[prefix + ".weight"]).add(_w[prefix + ".bias"]);
    }

    public void Dispose()
    {
        foreach (var t in _w.Values)
            t.Dispose();
    }
}

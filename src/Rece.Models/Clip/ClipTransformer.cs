using Rece.Models.Layers;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace Rece.Models.Clip;

/// <summary>
/// The encoder layers both CLIP towers share (transformers' CLIPEncoder): pre-LN layers of multi-head self-attention
/// and an MLP with quick_gelu or gelu, each with a residual connection. Weights are looked up by their checkpoint
/// names.
/// </summary>
public static class ClipTransformer
{
    /// <summary>The tensors of <paramref name="layers"/> encoder layers under <paramref name="prefix"/>
    /// ("text_model.encoder.layers.").</summary>
    public static IEnumerable<TensorSpec> LayerSpecs(string prefix, int layers, long width, long intermediate)
    {
        for (int i = 0; i < layers; i++)
        {
            string p = $"{prefix}{i}.";
            foreach (var proj in new[] { "q_proj", "k_proj", "v_proj", "out_proj" })
            {
                yield return new TensorSpec($"{p}self_attn.{proj}.weight", new[] { width, width });
                yield return new TensorSpec($"{p}self_attn.{proj}.bias", new[] { width });
            }
            yield return new TensorSpec($"{p}layer_norm1.weight", new[] { width });
            yield return new TensorSpec($"{p}layer_norm1.bias", new[] { width });
            yield return new TensorSpec($"{p}mlp.fc1.weight", new[] { intermediate, width });
            yield return new TensorSpec($"{p}mlp.fc1.bias", new[] { intermediate });
            yield return new TensorSpec($"{p}mlp.fc2.weight", new[] { width, intermediate });
            yield return new TensorSpec($"{p}mlp.fc2.bias", new[] { width });
            yield return new TensorSpec($"{p}layer_norm2.weight", new[] { width });
            yield return new TensorSpec($"{p}layer_norm2.bias", new[] { width });
        }
    }

    /// <summary>Runs the layers over <paramref name="x"/> ([batch, tokens, width]); causal for the text
    /// tower.</summary>
    public static Tensor Encode(
        Tensor x,
        Func<string, Tensor> weight,
        string prefix,
        int layers,
        int heads,
        string activation,
        double eps,
        bool causal
    )
    {
        long batch = x.shape[0],
            tokens = x.shape[1],
            width = x.shape[2];
        for (int i = 0; i < layers; i++)
        {
            string p = $"{prefix}{i}.";
            var h = LayerNorm(x, weight, p + "layer_norm1", eps);
            Tensor Heads(string proj) =>
                Linear(h, weight, p + "self_attn." + proj).view(batch, tokens, heads, width / heads).transpose(1, 2);
            var (q, k, v) = (Heads("q_proj"), Heads("k_proj"), Heads("v_proj"));
            var attended = (
                MetaKernels.Applies(q)
                    ? MetaKernels.Attention(q, k, v)
                    : F.scaled_dot_product_attention(q, k, v, is_casual: causal)
            )
                .transpose(1, 2)
                .reshape(batch, tokens, width);
            x = x.add(Linear(attended, weight, p + "self_attn.out_proj"));
            h = Linear(LayerNorm(x, weight, p + "layer_norm2", eps), weight, p + "mlp.fc1");
            h = activation == "gelu" ? F.gelu(h) : h.mul(F.sigmoid(h.mul(1.702)));
            // Out of place when training: layer_norm2's backward pass reads x.
            x = InPlace.Add(x, Linear(h, weight, p + "mlp.fc2"));
        }
        return x;
    }

    public static Tensor Linear(Tensor x, Func<string, Tensor> weight, string prefix) =>
        F.linear(x, weight(prefix + ".weight"), weight(prefix + ".bias"));

    public static Tensor LayerNorm(Tensor x, Func<string, Tensor> weight, string prefix, double eps) =>
        MetaKernels.Applies(x)
            ? MetaKernels.Norm("layer_norm", x, weight(prefix + ".weight"), weight(prefix + ".bias"))
            : F.layer_norm(x, new[] { x.shape[^1] }, weight(prefix + ".weight"), weight(prefix + ".bias"), eps);
}

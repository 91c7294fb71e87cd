using Rece.Models.Clip;
using Rece.Models.Layers;
using Rece.Models.Loading;
using Rece.Models.Safetensors;
using static TorchSharp.torch;

namespace Rece.Models.TextEncoder;

/// <summary>
/// The CLIP text transformer of Stable Diffusion (transformers' CLIPTextModel): token + position embeddings, pre-LN
/// encoder layers with causal self-attention, final layer norm; returns last_hidden_state. Weights are held by their
/// checkpoint names and used functionally, so loading is a strict name and shape match and nothing is initialized
/// twice.
/// </summary>
public sealed class ClipTextEncoder : IDisposable
{
    private readonly Dictionary<string, Tensor> _weights;

    private ClipTextEncoder(ClipTextConfig config, IReadOnlyDictionary<string, Tensor> weights)
    {
        Config = config;
        _weights = weights.ToDictionary(kv => kv.Key, kv => kv.Value, StringComparer.Ordinal);
        Device = weights.Values.First().device;
    }

    public ClipTextConfig Config { get; }

    /// <summary>Where the weights live and the encoding runs; the output is there too.</summary>
    public Device Device { get; }

    /// <summary>Builds an encoder from named float32 tensors; every tensor of <see cref="ClipTextConfig.Layout"/> must
    /// be present with its shape.</summary>
    public static ClipTextEncoder FromWeights(ClipTextConfig config, IReadOnlyDictionary<string, Tensor> weights)
    {
        foreach (var spec in config.Layout())
        {
            if (!weights.TryGetValue(spec.Name, out var tensor))
                throw new ModelFormatException($"Text encoder weights lack {spec.Name}.");
            if (!tensor.shape.SequenceEqual(spec.Shape))
                throw new ModelFormatException(
                    $"Text encoder tensor {spec.Name} has shape {TensorShape.Format(tensor.shape)}, but the config implies {TensorShape.Format(spec.Shape)}."
                );
        }
        return new ClipTextEncoder(config, weights);
    }

    /// <summary>Loads text_encoder/config.json and its safetensors weights strictly, in float32 on
    /// <paramref name="device"/> (default: the CPU).</summary>
    public static ClipTextEncoder Load(string configPath, string weightsPath, Device? device = null)
    {
        var config = ClipTextConfig.Load(configPath);
        using var file = SafetensorsFile.Open(weightsPath);
        var expected = config.Layout();
        var expectedNames = expected.Select(s => s.Name).ToHashSet();
        var unexpected = file
            .Tensors.Select(t => t.Name)
            .Where(n => !expectedNames.Contains(n) && n != ClipTextConfig.PositionIdsBuffer)
            .ToList();
        if (unexpected.Count > 0)
            throw new ModelFormatException(
                $"{weightsPath} holds tensors a {ClipTextConfig.Architecture} with {configPath} does not have: {string.Join(", ", unexpected.Take(5))}"
                    + (unexpected.Count > 5 ? $" and {unexpected.Count - 5} more" : "")
                    + ". Is this the text encoder of another architecture?"
            );
        var weights = new Dictionary<string, Tensor>();
        try
        {
            foreach (var spec in expected)
            {
                if (!file.TryGet(spec.Name, out var info))
                    throw new ModelFormatException(
                        $"{weightsPath} lacks the tensor {spec.Name} that {configPath} implies."
                    );
                if (!info.Shape.SequenceEqual(spec.Shape))
                    throw new ModelFormatException(
                        $"{weightsPath}: tensor {spec.Name} has shape {TensorShape.Format(info.Shape)}, but {configPath} implies {TensorShape.Format(spec.Shape)}."
                    );
                // Owned by the encoder (disposed with it), not by a scope the caller has open.
                weights[spec.Name] = StrictWeights
                    .ToDevice(TorchTensors.ReadFloat32(file, info), ScalarType.Float32, device)
                    .DetachFromDisposeScope();
            }
        }
        catch
        {
            foreach (var w in weights.Values)
                w.Dispose();
            throw;
        }
        return new ClipTextEncoder(config, weights);
    }

    /// <summary>The weights by name (owned by the encoder).</summary>
    public IReadOnlyDictionary<string, Tensor> Weights => _weights;

    /// <summary>
    /// Overwrites named weights in place with new values of the same shapes (any device and dtype, converted as
    /// loading converts stored tensors), so an encoder edited here equals one loaded from a file holding those values.
    /// Used to evaluate a trained text encoder's checkpoints on one loaded base model. The caller keeps ownership of
    /// <paramref name="replacements"/>.
    /// </summary>
    public void ReplaceWeights(IReadOnlyDictionary<string, Tensor> replacements) =>
        StrictWeights.Replace(_weights, replacements, "text encoder", "weight");

    /// <summary>
    /// Makes the weight <paramref name="name"/> trainable: it becomes a parameter (same values, gradients recorded by
    /// <see cref="Forward"/>) that an optimizer updates in place, and the encoder computes with it from now on.
    /// </summary>
    public TorchSharp.Modules.Parameter Train(string name)
    {
        if (!_weights.TryGetValue(name, out var weight))
            throw new ArgumentException($"The text encoder has no weight {name}.", nameof(name));
        if (weight is TorchSharp.Modules.Parameter trained)
            return trained;
        var parameter = new TorchSharp.Modules.Parameter(weight.detach().clone(), requires_grad: true);
        parameter.DetachFromDisposeScope();
        _weights[name] = parameter;
        weight.Dispose();
        return parameter;
    }

    /// <summary>last_hidden_state for a batch of token id rows (each of the same length, at most
    /// max_position_embeddings).</summary>
    /// <returns>[batch, tokens, hidden_size], in the weights' dtype (float32 as loaded).</returns>
    public Tensor Encode(IReadOnlyList<int[]> tokenIds)
    {
        using var noGrad = inference_mode();
        return Forward(tokenIds);
    }

    /// <summary>
    /// <see cref="Encode"/> recorded by autograd: gradients reach every weight that requires them (training the
    /// encoder); the frozen weights are the same tensors, never copied.
    /// </summary>
    public Tensor Forward(IReadOnlyList<int[]> tokenIds)
    {
        if (tokenIds.Count == 0)
            throw new ArgumentException("Nothing to encode.", nameof(tokenIds));
        int length = tokenIds[0].Length;
        if (length == 0 || length > Config.MaxPositionEmbeddings || tokenIds.Any(r => r.Length != length))
            throw new ArgumentException(
                $"Token rows must share one length between 1 and {Config.MaxPositionEmbeddings}.",
                nameof(tokenIds)
            );
        if (tokenIds.SelectMany(r => r).Any(id => id < 0 || id >= Config.VocabSize))
            throw new ArgumentException($"Token ids must be in 0..{Config.VocabSize - 1}.", nameof(tokenIds));

        using var scope = NewDisposeScope();
        int batch = tokenIds.Count,
            d = Config.HiddenSize;
        var ids = tensor(tokenIds.SelectMany(r => r).Select(i => (long)i).ToArray(), new long[] { batch, length })
            .to(Device)
            .flatten();
        var table = W("text_model.embeddings.token_embedding.weight");
        var tokens = (
            MetaKernels.Applies(table) ? MetaKernels.IndexSelect(table, ids) : table.index_select(0, ids)
        ).view(batch, length, d);
        return Transform(tokens, length, ownsTokens: true).MoveToOuterDisposeScope();
    }

    /// <summary>The token embedding table [vocab_size, hidden_size] (the rows <see cref="Forward"/> looks up).</summary>
    public Tensor TokenEmbeddings => W("text_model.embeddings.token_embedding.weight");

    /// <summary>
    /// last_hidden_state from token embeddings instead of ids (transformers' inputs_embeds), recorded by autograd: a
    /// white-box attack optimizes the embeddings of its tokens through it.
    /// </summary>
    /// <param name="tokenEmbeddings">[batch, tokens, hidden_size] on <see cref="Device"/>, in the weights'
    /// dtype.</param>
    public Tensor ForwardEmbeddings(Tensor tokenEmbeddings)
    {
        ArgumentNullException.ThrowIfNull(tokenEmbeddings);
        if (
            tokenEmbeddings.ndim != 3
            || tokenEmbeddings.shape[1] == 0
            || tokenEmbeddings.shape[1] > Config.MaxPositionEmbeddings
            || tokenEmbeddings.shape[2] != Config.HiddenSize
        )
            throw new ArgumentException(
                $"Token embeddings must be [batch, 1..{Config.MaxPositionEmbeddings}, {Config.HiddenSize}], got [{string.Join(", ", tokenEmbeddings.shape)}].",
                nameof(tokenEmbeddings)
            );
        using var scope = NewDisposeScope();
        return Transform(tokenEmbeddings, (int)tokenEmbeddings.shape[1], ownsTokens: false).MoveToOuterDisposeScope();
    }

    /// <summary>Position embeddings added, the causal transformer, the final layer norm.</summary>
    /// <param name="ownsTokens">Whether <paramref name="tokens"/> may be updated in place (never the caller's).</param>
    private Tensor Transform(Tensor tokens, int length, bool ownsTokens)
    {
        var positions = W("text_model.embeddings.position_embedding.weight").narrow(0, 0, length);
        var x = ownsTokens ? InPlace.Add(tokens, positions) : tokens.add(positions);
        x = ClipTransformer.Encode(
            x,
            W,
            "text_model.encoder.layers.",
            Config.NumHiddenLayers,
            Config.NumAttentionHeads,
            Config.HiddenAct,
            Config.LayerNormEps,
            causal: true
        );
        return LayerNorm(x, "text_model.final_layer_norm");
    }

    private Tensor W(string name) => _weights[name];

    private Tensor LayerNorm(Tensor x, string prefix) => ClipTransformer.LayerNorm(x, W, prefix, Config.LayerNormEps);

    public void Dispose()
    {
        foreach (var w in _weights.Values)
            w.Dispose();
    }
}

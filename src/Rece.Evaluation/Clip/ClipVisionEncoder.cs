using Rece.Models;
using Rece.Models.Clip;
using Rece.Models.Devices;
using Rece.Models.Layers;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace Rece.Evaluation.Clip;

/// <summary>
/// CLIP's vision transformer (transformers' CLIPVisionTransformer) plus visual_projection: patch convolution, class
/// token, position embeddings, pre_layrnorm, pre-LN encoder layers with full self-attention, post_layernorm on the
/// class token, projection. Weights are held by their checkpoint names and used functionally, as ClipTextEncoder.
/// </summary>
public sealed class ClipVisionEncoder : IDisposable
{
    public const string ProjectionName = "visual_projection.weight";

    private readonly IReadOnlyDictionary<string, Tensor> _weights;

    private ClipVisionEncoder(ClipVisionConfig config, int projectionDim, IReadOnlyDictionary<string, Tensor> weights)
    {
        Config = config;
        ProjectionDim = projectionDim;
        _weights = weights;
    }

    public ClipVisionConfig Config { get; }

    public int ProjectionDim { get; }

    /// <summary>The vision tower's tensors (<see cref="ClipVisionConfig.Layout"/>) and visual_projection.weight,
    /// float32, with their shapes.</summary>
    public static ClipVisionEncoder FromWeights(
        ClipVisionConfig config,
        int projectionDim,
        IReadOnlyDictionary<string, Tensor> weights
    )
    {
        var expected = config
            .Layout()
            .Append(new TensorSpec(ProjectionName, new[] { (long)projectionDim, config.HiddenSize }));
        foreach (var spec in expected)
        {
            if (!weights.TryGetValue(spec.Name, out var tensor))
                throw new ModelFormatException($"CLIP vision weights lack {spec.Name}.");
            if (!tensor.shape.SequenceEqual(spec.Shape))
                throw new ModelFormatException(
                    $"CLIP vision tensor {spec.Name} has shape {TensorShape.Format(tensor.shape)}, but the config implies {TensorShape.Format(spec.Shape)}."
                );
        }
        return new ClipVisionEncoder(config, projectionDim, weights);
    }

    /// <param name="pixels">[batch, 3, image_size, image_size], preprocessed (ClipImagePreprocessor).</param>
    /// <returns>image_embeds [batch, projection_dim], not normalized.</returns>
    public Tensor Embed(Tensor pixels)
    {
        int size = Config.ImageSize;
        if (pixels.ndim != 4 || pixels.shape[1] != 3 || pixels.shape[2] != size || pixels.shape[3] != size)
            throw new ArgumentException(
                $"Pixels must be [batch, 3, {size}, {size}], got {TensorShape.Format(pixels.shape)}.",
                nameof(pixels)
            );
        HostTensors.RequireOn(pixels, W(ProjectionName).device, "The CLIP vision tower", "the pixel batch");
        using var noGrad = inference_mode();
        using var scope = NewDisposeScope();
        long batch = pixels.shape[0],
            d = Config.HiddenSize,
            heads = Config.NumAttentionHeads,
            positions = Config.Positions;
        var patchWeight = W("vision_model.embeddings.patch_embedding.weight");
        var patches = (
            MetaKernels.Applies(pixels)
                ? MetaKernels.Conv2d(pixels, patchWeight, null, Config.PatchSize, 0)
                : F.conv2d(pixels, patchWeight, null, strides: new long[] { Config.PatchSize, Config.PatchSize })
        )
            .flatten(2)
            .transpose(1, 2);
        var cls = W("vision_model.embeddings.class_embedding").view(1, 1, d).expand(batch, 1, d);
        var x = cat(new[] { cls, patches }, 1).add(W("vision_model.embeddings.position_embedding.weight"));
        x = LayerNorm(x, "vision_model.pre_layrnorm");
        x = ClipTransformer.Encode(
            x,
            W,
            "vision_model.encoder.layers.",
            Config.NumHiddenLayers,
            (int)heads,
            Config.HiddenAct,
            Config.LayerNormEps,
            causal: false
        );
        var pooled = LayerNorm(x.select(1, 0), "vision_model.post_layernorm");
        return pooled.matmul(W(ProjectionName).t()).MoveToOuterDisposeScope();
    }

    private Tensor W(string name) => _weights[name];

    private Tensor LayerNorm(Tensor x, string prefix) => ClipTransformer.LayerNorm(x, W, prefix, Config.LayerNormEps);

    public void Dispose()
    {
        foreach (var w in _weights.Values)
            w.Dispose();
    }
}

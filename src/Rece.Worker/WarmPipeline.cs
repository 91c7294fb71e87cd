using Rece.Engine;
using Rece.Erasure;
using Rece.Generation;
using static TorchSharp.torch;

namespace Rece.Worker;

/// <summary>
/// A loaded base model for image generation, with its original cross-attention K/V matrices (as stored) and the
/// checkpoint currently applied to it. Evaluating a checkpoint replaces every K/V matrix by W0 P, computed as
/// `rece apply-patch` computes it (FactorApplication in the stored dtype, then the compute dtype as loading converts),
/// so the images equal those of the folder apply-patch writes, without writing or loading a model per checkpoint.
/// </summary>
internal sealed class WarmPipeline : IDisposable
{
    private readonly Tensor? _deviceStacked;
    private readonly IReadOnlyList<Tensor> _deviceKv;

    /// <summary>The loaded values of the tensors a trained patch replaced, and their component.</summary>
    private (string Component, Dictionary<string, Tensor> Weights)? _trainedOriginals;

    public WarmPipeline(CachedModel source, Precision precision, StableDiffusionPipeline pipeline, KvMatrices baseKv)
    {
        Source = source;
        Precision = precision;
        Pipeline = pipeline;
        BaseKv = baseKv;
        // W0 P is formed where the U-Net lives, so a checkpoint swap moves only the 2.4 MB factor to the device.
        if (pipeline.Device.IsCpu)
        {
            _deviceKv = baseKv.Tensors;
        }
        else
        {
            _deviceStacked = baseKv.Stacked.to(pipeline.Device.Torch).DetachFromDisposeScope();
            long row = 0;
            var views = new List<Tensor>();
            foreach (var t in baseKv.Tensors)
            {
                views.Add(_deviceStacked.narrow(0, row, t.shape[0]).DetachFromDisposeScope());
                row += t.shape[0];
            }
            _deviceKv = views;
        }
    }

    public CachedModel Source { get; }

    public Precision Precision { get; }

    public StableDiffusionPipeline Pipeline { get; }

    /// <summary>W0 of the U-Net weights file the pipeline loaded, in the stored dtype.</summary>
    public KvMatrices BaseKv { get; }

    /// <summary>The SHA-256 of the applied patch; null: the base model's own weights.</summary>
    public string? Applied { get; private set; }

    /// <summary>
    /// Puts the checkpoint's weights into the model (null: the original ones back): a factor patch's K/V matrices, or
    /// a trained patch's tensors (text encoder or U-Net), whose originals are kept beside the model until the next
    /// checkpoint puts them back.
    /// </summary>
    public void Apply(CheckpointPatch? checkpoint, string? patchSha256, string what)
    {
        if (checkpoint is null ? Applied is null : Applied == patchSha256)
            return;
        // Checked before anything changes: a patch for another base leaves the model as it was.
        if (checkpoint?.Factors is { } factors)
            CheckBase(factors, what);
        checkpoint?.Weights?.Locate(Pipeline.Files.Model, what);
        Applied = "(changing)";
        RestoreTrainedOriginals();
        // The base's K/V first: a trained U-Net patch may replace K/V matrices itself.
        ApplyFactors(checkpoint?.Factors);
        if (checkpoint?.Weights is { } trained)
            ApplyTrained(trained);
        Applied = checkpoint is null ? null : patchSha256;
    }

    /// <summary>A trained patch's tensors in place of the loaded ones, whose values are kept to put back.</summary>
    private void ApplyTrained(TrainedWeightsPatch patch)
    {
        var current =
            patch.Component == Rece.Models.Diffusers.DiffusersModel.TextEncoderFolder
                ? Pipeline.TextEncoder.Weights
                : Pipeline.UNet.Weights;
        _trainedOriginals = (
            patch.Component,
            patch.Weights.Keys.ToDictionary(name => name, name => current[name].clone().DetachFromDisposeScope())
        );
        Replace(patch.Component, patch.Weights);
    }

    private void RestoreTrainedOriginals()
    {
        if (_trainedOriginals is not { } originals)
            return;
        Replace(originals.Component, originals.Weights);
        foreach (var original in originals.Weights.Values)
            original.Dispose();
        _trainedOriginals = null;
    }

    private void Replace(string component, IReadOnlyDictionary<string, Tensor> weights)
    {
        if (component == Rece.Models.Diffusers.DiffusersModel.TextEncoderFolder)
            Pipeline.ReplaceTextEncoderWeights(weights);
        else
            Pipeline.UNet.ReplaceWeights(weights);
    }

    private void CheckBase(RecePatch patch, string what)
    {
        if (!patch.Bases.Any(b => b.KvSha256 == BaseKv.Sha256))
            throw new ErasureInputException(
                $"{what} was made for another base model: it expects K/V matrices with SHA-256 {string.Join(" or ", patch.Bases.Select(b => b.KvSha256))}, models/{Source.Name} has {BaseKv.Sha256}."
            );
        if (!patch.Targets.SequenceEqual(BaseKv.Infos.Select(i => i.Name)))
            throw new ErasureInputException(
                $"{what} edits other tensors than models/{Source.Name} holds: it was made for another base model."
            );
    }

    /// <summary>Every K/V matrix as <paramref name="patch"/> makes it (null: the base's).</summary>
    private void ApplyFactors(RecePatch? patch)
    {
        using var scope = NewDisposeScope();
        var replacements = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        for (int i = 0; i < BaseKv.Tensors.Count; i++)
            replacements[BaseKv.Infos[i].Name] = patch?.FactorFor(BaseKv.Infos[i].Name) is { } factor
                ? FactorApplication.Apply(_deviceKv[i], factor)
                : _deviceKv[i];
        Pipeline.UNet.ReplaceWeights(replacements);
    }

    public void Dispose()
    {
        foreach (var original in _trainedOriginals?.Weights.Values ?? Enumerable.Empty<Tensor>())
            original.Dispose();
        Pipeline.Dispose();
        if (_deviceStacked is not null)
        {
            foreach (var view in _deviceKv)
                view.Dispose();
            _deviceStacked.Dispose();
        }
        BaseKv.Dispose();
    }
}

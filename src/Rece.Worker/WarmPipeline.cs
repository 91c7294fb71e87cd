using Rece.Engine;
using Rece.Erasure;
using Rece.Generation;
using static TorchSharp.torch;

namespace Rece.Worker;

/// <summary>
/// A loaded base model for image generation, with its original cross-attention K/V matrices (as stored) and the
/// checkpoint currently applied to its U-Net. Evaluating a checkpoint replaces every K/V matrix by W0 P, computed as
/// `rece apply-patch` computes it (FactorApplication in the stored dtype, then the compute dtype as loading converts),
/// so the images equal those of the folder apply-patch writes, without writing or loading a model per checkpoint.
/// </summary>
internal sealed class WarmPipeline : IDisposable
{
    private readonly Tensor? _deviceStacked;
    private readonly IReadOnlyList<Tensor> _deviceKv;

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

    /// <summary>Puts the checkpoint's K/V matrices into the U-Net (null: the original ones back).</summary>
    public void Apply(RecePatch? patch, string? patchSha256, string what)
    {
        if (patch is null ? Applied is null : Applied == patchSha256)
            return;
        if (patch is not null)
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
        using var scope = NewDisposeScope();
        var replacements = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        for (int i = 0; i < BaseKv.Tensors.Count; i++)
            replacements[BaseKv.Infos[i].Name] = patch?.FactorFor(BaseKv.Infos[i].Name) is { } factor
                ? FactorApplication.Apply(_deviceKv[i], factor)
                : _deviceKv[i];
        Applied = "(changing)";
        Pipeline.UNet.ReplaceWeights(replacements);
        Applied = patch is null ? null : patchSha256;
    }

    public void Dispose()
    {
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

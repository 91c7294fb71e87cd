using Rece.Engine;
using Rece.Erasure;
using Rece.Evaluation.Clip;
using Rece.Evaluation.NudeNet;
using Rece.Generation;
using Rece.Models.Devices;
using Rece.Models.Safetensors;
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
                    $"{what} was made for another base model: it expects K/V matrices with SHA-256 {string.Join(" or ", patch.Bases.Select(b => b.KvSha256))}, models/{Source.Name} has {BaseKv.Sha256}.");
            if (!patch.Targets.SequenceEqual(BaseKv.Infos.Select(i => i.Name)))
                throw new ErasureInputException($"{what} edits other tensors than models/{Source.Name} holds: it was made for another base model.");
        }
        using var scope = NewDisposeScope();
        var replacements = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        for (int i = 0; i < BaseKv.Tensors.Count; i++)
            replacements[BaseKv.Infos[i].Name] = patch is null ? _deviceKv[i] : FactorApplication.Apply(_deviceKv[i], patch.Factor);
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

/// <summary>
/// What evaluation jobs keep loaded between jobs: Stable Diffusion pipelines (per base model and precision; a checkpoint
/// is a K/V swap on its base's pipeline), NudeNet detectors and CLIP scorers, least recently used evicted first. Used on
/// the <see cref="ComputeThread"/> only.
/// </summary>
/// <param name="device">Where pipelines, CLIP and NudeNet run; default: the CPU. One pipeline per base model stays resident there.</param>
public sealed class WarmEvaluation(int pipelineCapacity = 1, int metricCapacity = 2, Action<string>? log = null, ComputeDevice? device = null) : IDisposable
{
    private readonly LinkedList<WarmPipeline> _pipelines = new();
    private readonly LinkedList<(string Path, NudeNetDetector Detector)> _detectors = new();
    private readonly LinkedList<(string Directory, ClipScorer Scorer)> _clips = new();

    internal WarmPipeline Pipeline(CachedModel source, Precision precision)
    {
        var warm = _pipelines.FirstOrDefault(p => p.Source.Directory == source.Directory && p.Precision == precision);
        if (warm is not null)
        {
            _pipelines.Remove(warm);
            _pipelines.AddFirst(warm);
            return warm;
        }
        // Loading the next model needs the memory of the evicted one.
        while (_pipelines.Count >= pipelineCapacity && _pipelines.Count > 0)
        {
            _pipelines.Last!.Value.Dispose();
            _pipelines.RemoveLast();
        }
        log?.Invoke($"loading {source.Name} ({source.Key}) for image generation ({precision.Name()})");
        var pipeline = StableDiffusionPipeline.Load(source.Directory, precision, log, Device);
        try
        {
            using var file = SafetensorsFile.Open(pipeline.Files.UNetWeights);
            warm = new WarmPipeline(source, precision, pipeline, KvMatrices.Read(file, pipeline.Files.Model.UNet));
        }
        catch
        {
            pipeline.Dispose();
            throw;
        }
        _pipelines.AddFirst(warm);
        return warm;
    }

    /// <summary>Where the pipelines, detectors and CLIP scorers are loaded.</summary>
    public ComputeDevice Device { get; } = device ?? ComputeDevice.Cpu;

    public NudeNetDetector Detector(string path) => Get(_detectors, path, () => NudeNetDetector.Load(path, device: Device));

    public ClipScorer Clip(string directory) => Get(_clips, directory, () => ClipScorer.Load(directory, Device.Torch));

    private T Get<T>(LinkedList<(string Key, T Value)> cache, string key, Func<T> load) where T : IDisposable
    {
        for (var node = cache.First; node is not null; node = node.Next)
        {
            if (node.Value.Key == key)
            {
                cache.Remove(node);
                cache.AddFirst(node);
                return node.Value.Value;
            }
        }
        log?.Invoke($"loading {key}");
        var value = load();
        cache.AddFirst((key, value));
        while (cache.Count > metricCapacity)
        {
            cache.Last!.Value.Value.Dispose();
            cache.RemoveLast();
        }
        return value;
    }

    public void Dispose()
    {
        foreach (var p in _pipelines)
            p.Dispose();
        _pipelines.Clear();
        foreach (var (_, d) in _detectors)
            d.Dispose();
        _detectors.Clear();
        foreach (var (_, c) in _clips)
            c.Dispose();
        _clips.Clear();
    }
}

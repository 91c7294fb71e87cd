using Microsoft.Extensions.Logging;
using Rece.Erasure;
using Rece.Evaluation.Classification;
using Rece.Evaluation.Clip;
using Rece.Evaluation.NudeNet;
using Rece.Evaluation.Q16;
using Rece.Generation;
using Rece.Models.Devices;
using Rece.Models.Safetensors;

namespace Rece.Worker;

/// <summary>
/// What evaluation jobs keep loaded between jobs: Stable Diffusion pipelines (per base model and precision; a
/// checkpoint is a K/V swap on its base's pipeline), NudeNet detectors and CLIP scorers, least recently used evicted
/// first. Used on the <see cref="ComputeThread"/> only.
/// </summary>
/// <param name="device">Where pipelines, CLIP and NudeNet run; default: the CPU. One pipeline per base model stays
/// resident there.</param>
public sealed class WarmEvaluation(
    int pipelineCapacity = 1,
    int metricCapacity = 2,
    ILogger? log = null,
    ComputeDevice? device = null
) : IDisposable
{
    private readonly LinkedList<WarmPipeline> _pipelines = new();
    private readonly LinkedList<(string Path, NudeNetDetector Detector)> _detectors = new();
    private readonly LinkedList<(string Directory, ClipScorer Scorer)> _clips = new();
    private readonly LinkedList<(string Path, ImageNetClassifier Classifier)> _classifiers = new();
    private readonly LinkedList<(string Path, Q16Classifier Prompts)> _q16 = new();

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
        log?.LoadingGenerator(source.Name, source.Key, precision.Name());
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

    public NudeNetDetector Detector(string path) =>
        Get(_detectors, path, () => NudeNetDetector.Load(path, device: Device));

    public ClipScorer Clip(string directory) => Get(_clips, directory, () => ClipScorer.Load(directory, Device.Torch));

    public Q16Classifier Q16(string path) => Get(_q16, path, () => Q16Classifier.Load(path, Device.Torch));

    public ImageNetClassifier Classifier(string path) =>
        Get(_classifiers, path, () => ImageNetClassifier.Load(path, Device));

    private T Get<T>(LinkedList<(string Key, T Value)> cache, string key, Func<T> load)
        where T : IDisposable
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
        log?.LoadingMetricModel(key);
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
        foreach (var (_, c) in _classifiers)
            c.Dispose();
        _classifiers.Clear();
        foreach (var (_, q) in _q16)
            q.Dispose();
        _q16.Clear();
    }
}

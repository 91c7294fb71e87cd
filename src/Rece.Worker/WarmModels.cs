using Rece.Erasure;
using Rece.Models.Devices;
using Rece.Models.Diffusers;
using Rece.Models.Safetensors;
using Rece.Orchestration;
using Rece.Orchestration.Planning;

namespace Rece.Worker;

/// <summary>A base model kept loaded between jobs, with the U-Net files a patch applies to and the problems prepared on it.</summary>
internal sealed class WarmModel : IDisposable
{
    private readonly LinkedList<(string Key, ResolvedErasure Resolved, Rece.Engine.ErasureProblem Problem)> _problems = new();

    public WarmModel(CachedModel source, LoadedBaseModel loaded, IReadOnlyList<(UNetWeightsFile File, KvMatrices Kv)> bases)
    {
        Source = source;
        Loaded = loaded;
        Bases = bases;
    }

    public CachedModel Source { get; }

    public LoadedBaseModel Loaded { get; }

    /// <summary>The primary U-Net weights and every variant with the same weights (fp16), as `rece erase` edits them.</summary>
    public IReadOnlyList<(UNetWeightsFile File, KvMatrices Kv)> Bases { get; }

    public (ResolvedErasure Resolved, Rece.Engine.ErasureProblem Problem) Problem(RunSettings settings, int capacity)
    {
        string key = PipelineJson.Serialize(settings);
        for (var node = _problems.First; node is not null; node = node.Next)
        {
            if (node.Value.Key == key)
            {
                _problems.Remove(node);
                _problems.AddFirst(node);
                return (node.Value.Resolved, node.Value.Problem);
            }
        }
        var resolved = ResolvedErasure.From(EpochEraser.ToErasureRequest(settings, Source.Directory));
        var problem = Loaded.CreateProblem(resolved);
        _problems.AddFirst((key, resolved, problem));
        while (_problems.Count > capacity)
        {
            _problems.Last!.Value.Problem.Dispose();
            _problems.RemoveLast();
        }
        return (resolved, problem);
    }

    public void Dispose()
    {
        foreach (var entry in _problems)
            entry.Problem.Dispose();
        _problems.Clear();
        foreach (var (_, kv) in Bases.Skip(1))
            kv.Dispose();
        Loaded.Dispose();
    }
}

/// <summary>
/// Loaded models (and the erasure problems prepared on them) kept between jobs, least recently used evicted first.
/// Used on the <see cref="ComputeThread"/> only.
/// </summary>
/// <param name="device">Where the text encoder runs and G0 is formed; default: the CPU.</param>
public sealed class WarmModels(int modelCapacity = 2, int problemCapacity = 8, Action<string>? log = null, ComputeDevice? device = null) : IDisposable
{
    private readonly LinkedList<WarmModel> _models = new();

    /// <summary>Loads (or reuses) the model and prepares (or reuses) the problem of <paramref name="settings"/>.</summary>
    internal (WarmModel Model, ResolvedErasure Resolved, Rece.Engine.ErasureProblem Problem) Get(CachedModel source, RunSettings settings)
    {
        var model = _models.FirstOrDefault(m => m.Source.Directory == source.Directory);
        if (model is null)
        {
            log?.Invoke($"loading {source.Name} ({source.Key})");
            var diffusers = DiffusersModel.Open(source.Directory);
            var loaded = LoadedBaseModel.Load(diffusers, new StageTimer(), log, device);
            try
            {
                model = new WarmModel(source, loaded, Bases(diffusers, loaded, log));
            }
            catch
            {
                loaded.Dispose();
                throw;
            }
            _models.AddFirst(model);
            while (_models.Count > modelCapacity)
            {
                _models.Last!.Value.Dispose();
                _models.RemoveLast();
            }
        }
        else
        {
            _models.Remove(model);
            _models.AddFirst(model);
        }
        var (resolved, problem) = model.Problem(settings, problemCapacity);
        return (model, resolved, problem);
    }

    /// <summary>As `rece erase`: the primary weights and the variants holding the same weights at another precision.</summary>
    private static List<(UNetWeightsFile, KvMatrices)> Bases(DiffusersModel model, LoadedBaseModel loaded, Action<string>? log)
    {
        var bases = new List<(UNetWeightsFile, KvMatrices)> { (loaded.Primary, loaded.Kv) };
        foreach (var variant in model.UNetWeights.Skip(1))
        {
            using var file = SafetensorsFile.Open(variant.Path);
            var kv = KvMatrices.Read(file, model.UNet);
            if (kv.RelativeDifference(loaded.Kv) < 1e-2)
            {
                bases.Add((variant, kv));
            }
            else
            {
                log?.Invoke($"patches leave out unet/{variant.FileName}: its K/V weights differ from unet/{loaded.Primary.FileName}");
                kv.Dispose();
            }
        }
        return bases;
    }

    public void Dispose()
    {
        foreach (var model in _models)
            model.Dispose();
        _models.Clear();
    }
}

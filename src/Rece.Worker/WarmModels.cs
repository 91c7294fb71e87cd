using Microsoft.Extensions.Logging;
using Rece.Erasure;
using Rece.Models.Devices;
using Rece.Models.Diffusers;
using Rece.Models.Safetensors;
using Rece.Orchestration.Planning;

namespace Rece.Worker;

/// <summary>
/// Loaded models (and the erasure problems prepared on them) kept between jobs, least recently used evicted first.
/// Used on the <see cref="ComputeThread"/> only.
/// </summary>
/// <param name="device">Where the text encoder runs and G0 is formed; default: the CPU.</param>
/// <param name="embeddings">Text embeddings kept between jobs (default: in memory only, up to 1 GiB).</param>
public sealed class WarmModels(
    int modelCapacity = 2,
    int problemCapacity = 8,
    ILogger? log = null,
    ComputeDevice? device = null,
    EmbeddingCache? embeddings = null
) : IDisposable
{
    private readonly LinkedList<WarmModel> _models = new();
    private readonly EmbeddingCache _embeddings = embeddings ?? new EmbeddingCache(null, memoryBytes: 1L << 30);

    /// <summary>Loads (or reuses) the model and prepares (or reuses) the problem of
    /// <paramref name="settings"/>.</summary>
    internal (WarmModel Model, ResolvedErasure Resolved, Rece.Engine.ErasureProblem Problem) Get(
        CachedModel source,
        RunSettings settings
    )
    {
        var model = Model(source);
        var (resolved, problem) = model.Problem(settings, problemCapacity, _embeddings, log);
        return (model, resolved, problem);
    }

    /// <summary>The text embeddings kept between jobs.</summary>
    internal EmbeddingCache Embeddings => _embeddings;

    /// <summary>Loads (or reuses) the model.</summary>
    internal WarmModel Model(CachedModel source)
    {
        var model = _models.FirstOrDefault(m => m.Source.Directory == source.Directory);
        if (model is null)
        {
            log?.LoadingModel(source.Name, source.Key);
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
        return model;
    }

    /// <summary>As `rece erase`: the primary weights and the variants holding the same weights at another
    /// precision.</summary>
    private static List<(UNetWeightsFile, KvMatrices)> Bases(DiffusersModel model, LoadedBaseModel loaded, ILogger? log)
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
                log?.VariantLeftOut(variant.FileName, loaded.Primary.FileName);
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

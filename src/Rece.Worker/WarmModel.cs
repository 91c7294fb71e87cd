using Rece.Erasure;
using Rece.Models.Diffusers;
using Rece.Orchestration;
using Rece.Orchestration.Planning;

namespace Rece.Worker;

/// <summary>A base model kept loaded between jobs, with the U-Net files a patch applies to and the problems prepared on
/// it.</summary>
internal sealed class WarmModel : IDisposable
{
    private readonly LinkedList<(string Key, ResolvedErasure Resolved, Rece.Engine.ErasureProblem Problem)> _problems =
        new();

    public WarmModel(
        CachedModel source,
        LoadedBaseModel loaded,
        IReadOnlyList<(UNetWeightsFile File, KvMatrices Kv)> bases
    )
    {
        Source = source;
        Loaded = loaded;
        Bases = bases;
    }

    public CachedModel Source { get; }

    public LoadedBaseModel Loaded { get; }

    /// <summary>The primary U-Net weights and every variant with the same weights (fp16), as `rece erase` edits
    /// them.</summary>
    public IReadOnlyList<(UNetWeightsFile File, KvMatrices Kv)> Bases { get; }

    public (ResolvedErasure Resolved, Rece.Engine.ErasureProblem Problem) Problem(
        RunSettings settings,
        int capacity,
        EmbeddingCache embeddings,
        Microsoft.Extensions.Logging.ILogger? log
    )
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
        var problem = Loaded.CreateProblem(resolved, log: log, cache: embeddings);
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

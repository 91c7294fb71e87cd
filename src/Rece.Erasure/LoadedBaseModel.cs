using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Rece.Engine;
using Rece.Models.Devices;
using Rece.Models.Diffusers;
using Rece.Models.Safetensors;
using Rece.Models.TextEncoder;
using Rece.Models.Tokenization;
using Rece.Models.UNet;
using static TorchSharp.torch;

namespace Rece.Erasure;

/// <summary>
/// A base model loaded for erasing: its tokenizer and text encoder, and the cross-attention K/V matrices of its primary
/// U-Net weights with their G0. Everything an erasure needs of the model; `rece erase` loads it once per command, a
/// pipeline worker keeps it warm between jobs.
/// </summary>
public sealed class LoadedBaseModel : IDisposable
{
    private readonly Task<BaseWeights> _weights;
    private readonly Lazy<ClipTextEncoder> _encoder;
    private bool _weightsTimed;

    private LoadedBaseModel(
        DiffusersModel model,
        ComputeDevice device,
        ClipTokenizer tokenizer,
        Lazy<ClipTextEncoder> encoder,
        Task<BaseWeights> weights
    )
    {
        Model = model;
        Device = device;
        Tokenizer = tokenizer;
        _encoder = encoder;
        _weights = weights;
    }

    public DiffusersModel Model { get; }

    /// <summary>
    /// Where the text encoder runs and G0 is formed. The erase math itself (d x d Cholesky solves in float64, 0.2 s for
    /// SD v1.4 on two CPU cores) stays on the CPU: GPUs other than data-centre parts run float64 at 1/32 to 1/64 of
    /// their float32 rate, so it would not be faster there, and it keeps the algorithm's results independent of the
    /// device.
    /// </summary>
    public ComputeDevice Device { get; }

    /// <summary>The U-Net weights file the erasure is computed on (full precision when present).</summary>
    public UNetWeightsFile Primary => Model.UNetWeights[0];

    public ClipTokenizer Tokenizer { get; }

    /// <summary>The text encoder, loaded when first needed (not at all when every text's embedding is
    /// cached).</summary>
    public ClipTextEncoder Encoder => _encoder.Value;

    /// <summary>The primary file's K/V matrices, as stored.</summary>
    public KvMatrices Kv => Weights.Kv;

    /// <summary>G0 = sum_l W0_l^T W0_l (float64).</summary>
    public Tensor Gram => Weights.Gram;

    private BaseWeights Weights => _weights.GetAwaiter().GetResult();

    /// <summary>The K/V matrices, G0, and how long reading and forming them took in the background.</summary>
    private sealed record BaseWeights(KvMatrices Kv, Tensor Gram, double ReadSeconds, double GramSeconds);

    /// <summary>
    /// Loads the tokenizer and the text encoder while the K/V matrices are read and G0 formed in the background (mostly
    /// single-threaded I/O on both sides); the background work is awaited only when G0 is first needed, after the texts
    /// are encoded.
    /// </summary>
    /// <param name="device">Where the text encoder runs and G0 is formed (default: the CPU).</param>
    public static LoadedBaseModel Load(
        DiffusersModel model,
        StageTimer timings,
        ILogger? log = null,
        ComputeDevice? device = null
    )
    {
        device ??= ComputeDevice.Cpu;
        var primary = model.UNetWeights[0];
        log?.ReadingKv(primary.FileName, device.Name);
        var weights = Task.Run(() => ReadWeights(primary, model.UNet, device));
        try
        {
            var tokenizer = timings.Time("loadTokenizer", () => ClipTokenizer.FromFolder(model.TokenizerDirectory));
            var encoder = new Lazy<ClipTextEncoder>(() =>
            {
                log?.LoadingTextEncoder(model.TextEncoder.NumHiddenLayers, model.EmbeddingDim);
                return timings.Time("loadTextEncoder", () =>
                    ClipTextEncoder.Load(model.TextEncoderConfigPath, model.TextEncoderWeightsPath, device.Torch)
                );
            });
            return new LoadedBaseModel(model, device, tokenizer, encoder, weights);
        }
        catch
        {
            Release(weights);
            throw;
        }
    }

    /// <summary>Waits for the background read (recording its times once) and surfaces its error, if any.</summary>
    public void WaitForWeights(StageTimer? timings = null)
    {
        var clock = Stopwatch.StartNew();
        var weights = Weights;
        if (timings is null || _weightsTimed)
            return;
        timings.Add("waitForGram", clock.Elapsed.TotalSeconds);
        timings.Add("readKvBackground", weights.ReadSeconds);
        timings.Add("gramBackground", weights.GramSeconds);
        _weightsTimed = true;
    }

    private static BaseWeights ReadWeights(UNetWeightsFile weights, UNetConfig config, ComputeDevice device)
    {
        var clock = Stopwatch.StartNew();
        using var file = SafetensorsFile.Open(weights.Path);
        // The stored matrices stay in host memory: their hash identifies the base, and the edited file is written from
        // them.
        var kv = KvMatrices.Read(file, config);
        double read = clock.Elapsed.TotalSeconds;
        clock.Restart();
        try
        {
            if (device.IsCpu)
                return new BaseWeights(kv, kv.Gram().DetachFromDisposeScope(), read, clock.Elapsed.TotalSeconds);
            using var scope = NewDisposeScope();
            var gram = HostTensors.CopyToHost(KvGram.Compute(new[] { kv.Stacked.to(device.Torch) }));
            return new BaseWeights(kv, gram.DetachFromDisposeScope(), read, clock.Elapsed.TotalSeconds);
        }
        catch
        {
            kv.Dispose();
            throw;
        }
    }

    private static void Release(Task<BaseWeights> weights)
    {
        try
        {
            weights.Wait();
        }
        catch (AggregateException)
        {
            return; // nothing was made; an error that matters is reported by whoever waits for the weights
        }
        weights.Result.Kv.Dispose();
        weights.Result.Gram.Dispose();
    }

    /// <summary>Preserve texts encoded and summed at a time (60 MB of float32 embeddings at SD v1.x).</summary>
    private const int PreserveChunk = 256;

    /// <summary>Encodes the request's texts (through <paramref name="cache"/> when given) and prepares the engine's
    /// inputs.</summary>
    public ErasureProblem CreateProblem(
        ResolvedErasure resolved,
        StageTimer? timings = null,
        ILogger? log = null,
        EmbeddingCache? cache = null
    )
    {
        using var scope = NewDisposeScope();
        var clock = Stopwatch.StartNew();
        string? encoderKey = EncoderKey(ref cache);
        var texts = resolved.Concepts.Concat(resolved.Guides).Append("").Append(" ");
        var embeddings = TextEmbeddings.Encode(Tokenizer, () => Encoder, texts, log, cache, encoderKey);
        using var preserve = PreserveSetOf(resolved.Preserve, cache, encoderKey, log, null, out double gramSeconds);
        timings?.Add("encodeTexts", clock.Elapsed.TotalSeconds - gramSeconds);
        timings?.Add("preserveGram", gramSeconds);
        WaitForWeights(timings);
        var concepts = resolved
            .Concepts.Select(
                (c, i) =>
                {
                    var concept = embeddings[c];
                    var guide = embeddings[resolved.Guides[i]];
                    return new ConceptToErase(
                        c,
                        concept.Embedding,
                        concept.WordCount,
                        guide.Text,
                        guide.Embedding,
                        guide.WordCount
                    );
                }
            )
            .ToList();
        clock.Restart();
        var problem = new ErasureProblem(
            Gram,
            concepts,
            embeddings[""].Embedding,
            embeddings[" "].Embedding,
            preserve,
            resolved.Parameters
        );
        timings?.Add("prepareProblem", clock.Elapsed.TotalSeconds);
        return problem;
    }

    /// <summary>
    /// The preserve texts' Gram matrix: from <paramref name="cache"/> when a large set was seen before (its texts then
    /// need no embeddings at all), else summed a chunk at a time as the texts are encoded (2,000 texts' embeddings are
    /// never held at once) and cached. <paramref name="each"/>, when given, also receives every chunk's embeddings, so
    /// the texts are encoded (or read from the cache) even when the Gram matrix is cached.
    /// </summary>
    /// <param name="seconds">Time spent summing the Gram matrix (and in <paramref name="each"/>), not
    /// encoding.</param>
    internal PreserveSet PreserveSetOf(
        IReadOnlyList<string> preserve,
        EmbeddingCache? cache,
        string? encoderKey,
        ILogger? log,
        Action<string[], IReadOnlyDictionary<string, TextEmbedding>>? each,
        out double seconds
    )
    {
        bool large = (long)preserve.Count * ErasureProblem.ContextLength >= Model.EmbeddingDim;
        // The Gram matrix's cache key; only a large set with a cache has one.
        var ids =
            large && cache is not null
                ? preserve.Select(p => (IReadOnlyList<int>)Tokenizer.Encode(p).Ids).ToList()
                : null;
        var cached = ids is null ? null : cache!.TryGetGram(encoderKey!, ids, log);
        using var accumulator = cached is null ? new PreserveSet.Accumulator(Model.EmbeddingDim) : null;
        seconds =
            accumulator is null && each is null
                ? 0
                : EncodeInChunks(
                    preserve,
                    (chunk, encoded) =>
                    {
                        accumulator?.Add(chunk.Select(t => encoded[t].Embedding).ToList());
                        each?.Invoke(chunk, encoded);
                    },
                    log,
                    cache,
                    encoderKey
                );
        var clock = Stopwatch.StartNew();
        var set = cached is not null ? new PreserveSet(cached, preserve.Count) : accumulator!.Build();
        if (cached is null && ids is not null)
            cache!.PutGram(encoderKey!, ids, set.Gram, log);
        seconds += clock.Elapsed.TotalSeconds;
        return set;
    }

    /// <summary>
    /// Encodes <paramref name="texts"/> a chunk at a time (through <paramref name="cache"/> when given), handing each
    /// chunk's embeddings to <paramref name="use"/>; they are disposed after it returns. Returns the seconds spent in
    /// <paramref name="use"/>.
    /// </summary>
    internal double EncodeInChunks(
        IReadOnlyList<string> texts,
        Action<string[], IReadOnlyDictionary<string, TextEmbedding>> use,
        ILogger? log,
        EmbeddingCache? cache,
        string? encoderKey
    )
    {
        double useSeconds = 0;
        var progress = Stopwatch.StartNew();
        int done = 0;
        foreach (var chunk in texts.Chunk(PreserveChunk))
        {
            using var chunkScope = NewDisposeScope();
            var encoded = TextEmbeddings.Encode(Tokenizer, () => Encoder, chunk, log: null, cache, encoderKey);
            var useClock = Stopwatch.StartNew();
            use(chunk, encoded);
            useSeconds += useClock.Elapsed.TotalSeconds;
            done += chunk.Length;
            if (progress.Elapsed.TotalSeconds > 2 || done == texts.Count && done > PreserveChunk)
            {
                log?.EncodedPreserve(done, texts.Count);
                progress.Restart();
            }
        }
        return useSeconds;
    }

    /// <summary>The cache's key of this model's text encoder, or null without a cache (or on the meta
    /// device).</summary>
    internal string? EncoderKey(ref EmbeddingCache? cache)
    {
        // A meta device (shape-only tests) computes no values worth keeping.
        cache = Device.IsMeta ? null : cache;
        return cache?.EncoderKey(Model.TextEncoderWeightsPath);
    }

    /// <summary>The patch that turns this base model into the one edited with <paramref name="storedFactor"/> (see
    /// <see cref="FactorApplication.ToStoredPrecision"/>).</summary>
    public RecePatch CreatePatch(
        Tensor storedFactor,
        ResolvedErasure resolved,
        IReadOnlyList<(UNetWeightsFile File, KvMatrices Kv)>? bases = null
    ) => CreatePatch(new[] { new PatchFactor(storedFactor, Kv.Infos.Select(i => i.Name).ToList()) }, resolved, bases);

    /// <summary>The patch of an edit with a factor per matrix (<see cref="SpeedErasure"/>).</summary>
    public RecePatch CreatePatch(
        IReadOnlyList<PatchFactor> factors,
        ResolvedErasure resolved,
        IReadOnlyList<(UNetWeightsFile File, KvMatrices Kv)>? bases = null
    ) =>
        new(
            factors,
            Kv.Infos.Select(i => i.Name).ToList(),
            (bases ?? new[] { (Primary, Kv) })
                .Select(b => new PatchBase(
                    Path.GetRelativePath(Model.Root, b.File.Path),
                    b.Kv.DType.ToString(),
                    b.Kv.Sha256
                ))
                .ToList(),
            new Dictionary<string, string>
            {
                ["rece.method"] = resolved.Parameters.Method.Name(),
                ["rece.concepts"] = System.Text.Json.JsonSerializer.Serialize(resolved.Concepts),
                ["rece.base_model"] = Model.Root,
            }
        );

    public void Dispose()
    {
        if (_encoder.IsValueCreated)
            _encoder.Value.Dispose();
        Release(_weights);
    }
}

using Rece.Models.Diffusers;
using Rece.Models.TextEncoder;
using Rece.Models.Tokenization;
using static TorchSharp.torch;

namespace Rece.Erasure.Tests;

[Collection(TinyModelCollection.Name)]
public sealed class EmbeddingCacheTests(TinyModels models) : IDisposable
{
    private readonly TempFolder _folder = new("embeddings");

    private static readonly int[] Ids = [49406, 320, 1125, 49407];

    private static Tensor Values(float offset) => arange(12, dtype: ScalarType.Float32).reshape(3, 4).add(offset);

    [Fact]
    public void AMissThenAHitGiveBackTheStoredValues()
    {
        var cache = new EmbeddingCache(_folder.Path);
        Assert.Null(cache.TryGet("encoder-a", Ids));
        cache.Put("encoder-a", Ids, Values(0.5f));
        using var hit = new EmbeddingCache(_folder.Path).TryGet("encoder-a", Ids);
        Assert.NotNull(hit);
        Assert.Equal(Values(0.5f).data<float>().ToArray(), hit.data<float>().ToArray());
        Assert.Equal((1, 0), (cache.Misses, cache.Hits));
    }

    [Fact]
    public void AnotherEncoderOrOtherIdsMiss()
    {
        var cache = new EmbeddingCache(_folder.Path);
        cache.Put("encoder-a", Ids, Values(0));
        Assert.Null(cache.TryGet("encoder-b", Ids));
        Assert.Null(cache.TryGet("encoder-a", [49406, 320, 49407]));
    }

    [Fact]
    public void ADamagedFileIsIgnoredAndRewritten()
    {
        var cache = new EmbeddingCache(_folder.Path);
        cache.Put("encoder-a", Ids, Values(1));
        string file = Directory.EnumerateFiles(_folder.Path, "*.emb", SearchOption.AllDirectories).Single();
        var bytes = File.ReadAllBytes(file);
        bytes[^1] ^= 0xFF;
        File.WriteAllBytes(file, bytes);

        Assert.Null(new EmbeddingCache(_folder.Path).TryGet("encoder-a", Ids));
        File.WriteAllBytes(file, bytes[..20]);
        Assert.Null(new EmbeddingCache(_folder.Path).TryGet("encoder-a", Ids));

        cache.Put("encoder-a", Ids, Values(2));
        using var hit = new EmbeddingCache(_folder.Path).TryGet("encoder-a", Ids);
        Assert.Equal(Values(2).data<float>().ToArray(), hit!.data<float>().ToArray());
    }

    [Fact]
    public void ConcurrentWritersLeaveOneWholeFile()
    {
        Parallel.For(0, 16, i => new EmbeddingCache(_folder.Path).Put("encoder-a", Ids, Values(7)));
        Assert.Single(Directory.EnumerateFiles(_folder.Path, "*", SearchOption.AllDirectories));
        using var hit = new EmbeddingCache(_folder.Path).TryGet("encoder-a", Ids);
        Assert.Equal(Values(7).data<float>().ToArray(), hit!.data<float>().ToArray());
    }

    [Fact]
    public void TheFolderStaysWithinItsBoundDroppingTheLeastRecentlyUsed()
    {
        // Each entry is 48 header bytes + 48 values bytes.
        var cache = new EmbeddingCache(_folder.Path, maxBytes: 96 * 2);
        var written = new HashSet<string>();
        for (int i = 0; i < 4; i++)
        {
            cache.Put("encoder-a", [i], Values(i));
            // Entry i is the file this Put added; it is dated i minutes ahead, so entry 0 is the least recently used.
            string added = Directory
                .EnumerateFiles(_folder.Path, "*.emb", SearchOption.AllDirectories)
                .Single(f => !written.Contains(f));
            written.Add(added);
            File.SetLastWriteTimeUtc(added, DateTime.UtcNow.AddMinutes(i));
        }
        cache.Trim();
        Assert.Equal(2, Directory.EnumerateFiles(_folder.Path, "*.emb", SearchOption.AllDirectories).Count());
        Assert.NotNull(cache.TryGet("encoder-a", [3]));
        Assert.Null(new EmbeddingCache(_folder.Path).TryGet("encoder-a", [0]));
    }

    [Fact]
    public void AWarmCacheGivesTheEncodersBitsWithoutLoadingIt()
    {
        var model = DiffusersModel.Open(models.V1);
        var tokenizer = ClipTokenizer.FromFolder(model.TokenizerDirectory);
        using var encoder = ClipTextEncoder.Load(model.TextEncoderConfigPath, model.TextEncoderWeightsPath);
        string key = new EmbeddingCache(_folder.Path).EncoderKey(model.TextEncoderWeightsPath);
        var texts = new[] { "a photo of a cat", "nudity", "" };
        int loads = 0;
        ClipTextEncoder Encoder()
        {
            loads++;
            return encoder;
        }

        var cold = TextEmbeddings.Encode(
            tokenizer,
            Encoder,
            texts,
            cache: new EmbeddingCache(_folder.Path),
            encoderKey: key
        );
        int coldLoads = loads;
        var warm = TextEmbeddings.Encode(
            tokenizer,
            Encoder,
            texts,
            cache: new EmbeddingCache(_folder.Path),
            encoderKey: key
        );

        Assert.True(coldLoads > 0);
        Assert.Equal(coldLoads, loads);
        foreach (string text in texts)
            Assert.Equal(cold[text].Embedding.data<float>().ToArray(), warm[text].Embedding.data<float>().ToArray());
        // Other encoder weights: nothing cached applies.
        Assert.NotEqual(
            key,
            new EmbeddingCache(null).EncoderKey(DiffusersModel.Open(models.V2).TextEncoderWeightsPath)
        );
        // Remembered in the folder for the next process.
        Assert.Single(Directory.EnumerateFiles(Path.Combine(_folder.Path, "encoders")));
    }

    [Fact]
    public void ARepeatedPreserveSetGivesTheSamePatchFromTheCacheAsWithoutIt()
    {
        ErasureReport Erase(string cache) =>
            ErasureJob.Run(
                new ErasureRequest
                {
                    ModelDirectory = models.V1,
                    OutputDirectory = models.NewOutput(),
                    Concepts = ["Kelly McKernan"],
                    Preset = "art",
                    PatchOnly = true,
                    EmbeddingCache = cache,
                }
            );
        var uncached = Erase("off");
        var cold = Erase(_folder.Path);
        var warm = Erase(_folder.Path);

        Assert.Equal(1733, warm.Inputs.Preserve.Count);
        Assert.Equal(uncached.Outputs.Patch!.Sha256, cold.Outputs.Patch!.Sha256);
        Assert.Equal(uncached.Outputs.Patch!.Sha256, warm.Outputs.Patch!.Sha256);
        Assert.False(warm.Timings.ContainsKey("loadTextEncoder"), "every text was cached: the encoder need not load");
        Assert.Single(Directory.EnumerateFiles(_folder.Path, "*.emb", SearchOption.AllDirectories), f =>
            new FileInfo(f).Length == 48 + 32 * 32 * 8
        );
    }

    [Fact]
    public void AnUnwritableFolderDisablesTheCacheWithoutFailing()
    {
        string blocked = _folder.File("file-not-folder");
        File.WriteAllText(blocked, "x");
        var cache = new EmbeddingCache(blocked);
        cache.Put("encoder-a", Ids, Values(0));
        Assert.Null(cache.TryGet("encoder-a", Ids));
    }

    public void Dispose() => _folder.Dispose();
}

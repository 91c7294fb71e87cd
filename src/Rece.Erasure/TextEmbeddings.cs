using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Rece.Models.Devices;
using Rece.Models.TextEncoder;
using Rece.Models.Tokenization;
using static TorchSharp.torch;

namespace Rece.Erasure;

/// <summary>
/// Tokenizes texts and runs the text encoder (on its device) once per distinct token sequence, in batches; the embeddings
/// come back to host memory, where the erase math runs.
/// </summary>
public static class TextEmbeddings
{
    public const int BatchSize = 16;

    public static IReadOnlyDictionary<string, TextEmbedding> Encode(ClipTokenizer tokenizer, ClipTextEncoder encoder, IEnumerable<string> texts, ILogger? log = null)
    {
        var tokenized = texts.Distinct(StringComparer.Ordinal).ToDictionary(t => t, tokenizer.Encode, StringComparer.Ordinal);
        // "" and " " (and texts differing only in case or spacing) share token ids: encode each sequence once.
        var distinct = tokenized.Values.Select(t => t.Ids).DistinctBy(ids => string.Join(',', ids)).ToList();
        var byIds = new Dictionary<string, Tensor>();
        var clock = Stopwatch.StartNew();
        for (int start = 0; start < distinct.Count; start += BatchSize)
        {
            var batch = distinct.Skip(start).Take(BatchSize).ToList();
            using var output = encoder.Encode(batch);
            for (int i = 0; i < batch.Count; i++)
                byIds[string.Join(',', batch[i])] = HostTensors.CopyToHost(output[i]);
            if (distinct.Count > BatchSize && clock.Elapsed.TotalSeconds > 1)
            {
                log?.Encoded(Math.Min(start + BatchSize, distinct.Count), distinct.Count);
                clock.Restart();
            }
        }
        return tokenized.ToDictionary(
            kv => kv.Key,
            kv => new TextEmbedding(kv.Key, byIds[string.Join(',', kv.Value.Ids)], kv.Value.WordCount),
            StringComparer.Ordinal);
    }
}

using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Microsoft.ML.Tokenizers;

namespace Rece.Models.Tokenization;

/// <summary>
/// The CLIP tokenizer of Stable Diffusion, identical to transformers' CLIPTokenizer: whitespace clean-up and
/// lower-casing, the CLIP split pattern, byte-level BPE whose last symbol per word carries "&lt;/w&gt;", BOS/EOS,
/// truncation to 77 and padding with the pad token of the model's tokenizer config. The BPE itself is
/// Microsoft.ML.Tokenizers' BpeTokenizer.
/// </summary>
public sealed partial class ClipTokenizer
{
    public const int ContextLength = 77;
    public const string StartOfText = "<|startoftext|>";
    public const string EndOfText = "<|endoftext|>";

    private static readonly Lazy<(string Vocab, string Merges)> EmbeddedFiles = new(() =>
        (ReadResource("clip-tokenizer/vocab.json"), ReadResource("clip-tokenizer/merges.txt"))
    );

    private readonly BpeTokenizer _bpe;
    private readonly Dictionary<int, string> _idToToken;

    private ClipTokenizer(BpeTokenizer bpe, IReadOnlyDictionary<string, int> vocabulary, string padToken, string source)
    {
        _bpe = bpe;
        _idToToken = vocabulary.ToDictionary(kv => kv.Value, kv => kv.Key);
        VocabularySize = vocabulary.Count;
        BosId = vocabulary.TryGetValue(StartOfText, out var bos)
            ? bos
            : throw new ModelFormatException($"{source}: the vocabulary lacks {StartOfText}.");
        EosId = vocabulary.TryGetValue(EndOfText, out var eos)
            ? eos
            : throw new ModelFormatException($"{source}: the vocabulary lacks {EndOfText}.");
        PadId = vocabulary.TryGetValue(padToken, out var pad)
            ? pad
            : throw new ModelFormatException($"{source}: the pad token \"{padToken}\" is not in the vocabulary.");
        PadToken = padToken;
    }

    public int BosId { get; }

    public int EosId { get; }

    public int PadId { get; }

    public string PadToken { get; }

    public int VocabularySize { get; }

    /// <summary>Loads a diffusers tokenizer/ folder (vocab.json, merges.txt, and the pad token from
    /// tokenizer_config.json or special_tokens_map.json).</summary>
    public static ClipTokenizer FromFolder(string directory)
    {
        string vocab = Path.Combine(directory, "vocab.json");
        string merges = Path.Combine(directory, "merges.txt");
        foreach (var required in new[] { vocab, merges })
        {
            if (!File.Exists(required))
                throw new ModelFormatException($"Missing tokenizer file {required}.");
        }
        string padToken = PadTokenFrom(Path.Combine(directory, "tokenizer_config.json"))
            ?? PadTokenFrom(Path.Combine(directory, "special_tokens_map.json"))
            ?? EndOfText;
        return Create(File.ReadAllText(vocab), File.ReadAllText(merges), padToken, directory);
    }

    /// <summary>The Stable Diffusion v1.x files embedded in this assembly (pad token &lt;|endoftext|&gt; unless
    /// given).</summary>
    public static ClipTokenizer FromEmbeddedVocabulary(string? padToken = null) =>
        Create(
            EmbeddedFiles.Value.Vocab,
            EmbeddedFiles.Value.Merges,
            padToken ?? EndOfText,
            "embedded CLIP vocabulary"
        );

    /// <summary>Writes the embedded vocab.json and merges.txt into a folder.</summary>
    public static void WriteEmbeddedVocabularyFiles(string directory)
    {
        Directory.CreateDirectory(directory);
        File.WriteAllText(Path.Combine(directory, "vocab.json"), EmbeddedFiles.Value.Vocab);
        File.WriteAllText(Path.Combine(directory, "merges.txt"), EmbeddedFiles.Value.Merges);
    }

    /// <summary>The word tokens of a text, without BOS/EOS and not truncated.</summary>
    public IReadOnlyList<int> EncodeWords(string text) => _bpe.EncodeToIds(text);

    /// <summary>[BOS] + word tokens truncated to 75 + [EOS], padded to 77.</summary>
    public TokenizedText Encode(string text)
    {
        var words = EncodeWords(text);
        int kept = Math.Min(words.Count, ContextLength - 2);
        var ids = new int[ContextLength];
        ids[0] = BosId;
        for (int i = 0; i < kept; i++)
            ids[i + 1] = words[i];
        ids[kept + 1] = EosId;
        for (int i = kept + 2; i < ContextLength; i++)
            ids[i] = PadId;
        return new TokenizedText(ids, kept);
    }

    /// <summary>Text of token ids: special tokens dropped, "&lt;/w&gt;" read as a word end.</summary>
    public string Decode(IEnumerable<int> ids)
    {
        var bytes = new List<byte>();
        foreach (int id in ids)
        {
            if (id == BosId || id == EosId || id == PadId || !_idToToken.TryGetValue(id, out var token))
                continue;
            bool wordEnd = token.EndsWith("</w>", StringComparison.Ordinal);
            foreach (char c in wordEnd ? token[..^4] : token)
                bytes.Add(ByteLevelAlphabet.ToByte(c));
            if (wordEnd)
                bytes.Add((byte)' ');
        }
        return Encoding.UTF8.GetString(bytes.ToArray()).Trim();
    }

    private static ClipTokenizer Create(string vocabJson, string mergesText, string padToken, string source)
    {
        Dictionary<string, int> vocabulary;
        try
        {
            vocabulary = JsonSerializer.Deserialize<Dictionary<string, int>>(vocabJson)
                ?? throw new JsonException("empty");
        }
        catch (JsonException e)
        {
            throw new ModelFormatException($"{source}: vocab.json is not a JSON object of token ids ({e.Message}).");
        }
        var merges = mergesText
            .Split('\n')
            .Select(l => l.TrimEnd('\r'))
            .Where(l => l.Length > 0 && !l.StartsWith("#version", StringComparison.Ordinal))
            .ToList();
        var special = new Dictionary<string, int>
        {
            [StartOfText] = vocabulary.GetValueOrDefault(StartOfText, -1),
            [EndOfText] = vocabulary.GetValueOrDefault(EndOfText, -1),
        };
        var bpe = BpeTokenizer.Create(
            new BpeOptions(vocabulary)
            {
                Merges = merges,
                SpecialTokens = special.Where(kv => kv.Value >= 0).ToDictionary(),
                Normalizer = new ClipNormalizer(),
                PreTokenizer = new RegexPreTokenizer(
                    ClipSplitPattern(),
                    special.Where(kv => kv.Value >= 0).ToDictionary()
                ),
                ByteLevel = true,
                EndOfWordSuffix = "</w>",
                UnknownToken = EndOfText,
            }
        );
        return new ClipTokenizer(bpe, vocabulary, padToken, source);
    }

    private static string? PadTokenFrom(string path)
    {
        if (!File.Exists(path))
            return null;
        JsonNode? pad;
        try
        {
            pad = JsonNode.Parse(File.ReadAllText(path))?["pad_token"];
        }
        catch (JsonException e)
        {
            throw new ModelFormatException($"{path} is not valid JSON: {e.Message}");
        }
        return pad switch
        {
            null => null,
            JsonValue value when value.TryGetValue<string>(out var text) => text,
            JsonObject added when added["content"] is JsonValue content && content.TryGetValue<string>(out var text) =>
                text,
            _ => throw new ModelFormatException(
                $"{path}: \"pad_token\" must be a string or an object with \"content\"."
            ),
        };
    }

    private static string ReadResource(string name)
    {
        using var stream = typeof(ClipTokenizer).Assembly.GetManifestResourceStream(name)
            ?? throw new InvalidOperationException(
                $"The embedded resource {name} is missing from {typeof(ClipTokenizer).Assembly.GetName().Name}."
            );
        using var reader = new StreamReader(stream, Encoding.UTF8);
        return reader.ReadToEnd();
    }

    /// <summary>CLIP's pre-tokenization pattern (openai/CLIP simple_tokenizer.py), case-insensitive.</summary>
    [GeneratedRegex(
        @"<\|startoftext\|>|<\|endoftext\|>|'s|'t|'re|'ve|'m|'ll|'d|[\p{L}]+|[\p{N}]|[^\s\p{L}\p{N}]+",
        RegexOptions.IgnoreCase | RegexOptions.CultureInvariant
    )]
    private static partial Regex ClipSplitPattern();

    /// <summary>CLIP's text clean-up: NFC, runs of whitespace to one space, trimmed, lower-cased.</summary>
    private sealed partial class ClipNormalizer : Normalizer
    {
        public override string Normalize(string original) =>
            Whitespace().Replace(original.Normalize(NormalizationForm.FormC), " ").Trim().ToLowerInvariant();

        public override string Normalize(ReadOnlySpan<char> original) => Normalize(original.ToString());

        [GeneratedRegex(@"\s+")]
        private static partial Regex Whitespace();
    }
}

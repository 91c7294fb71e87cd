using System.Text.Json;
using Rece.Models.Tokenization;

namespace Rece.Models.Tests.Tokenization;

public class ClipTokenizerTests
{
    private static readonly ClipTokenizer Tokenizer = ClipTokenizer.FromEmbeddedVocabulary();
    private static readonly Lazy<Dictionary<string, int>> Vocabulary = new(() =>
    {
        using var dir = new TempFolder();
        ClipTokenizer.WriteEmbeddedVocabularyFiles(dir.Path);
        return JsonSerializer.Deserialize<Dictionary<string, int>>(
            File.ReadAllText(Path.Combine(dir.Path, "vocab.json"))
        )!;
    });

    private static int Id(string token) => Vocabulary.Value[token];

    [Fact]
    public void APhotoOfACatHasTheKnownIds()
    {
        var tokens = Tokenizer.Encode("a photo of a cat");
        Assert.Equal(new[] { 49406, 320, 1125, 539, 320, 2368, 49407 }, tokens.Ids.Take(7));
        Assert.All(tokens.Ids.Skip(7), id => Assert.Equal(49407, id));
        Assert.Equal(77, tokens.Ids.Length);
        Assert.Equal(5, tokens.WordCount);
        Assert.Equal(49408, Tokenizer.VocabularySize);
    }

    [Fact]
    public void LowerCasesAndSplitsPunctuation()
    {
        Assert.Equal(
            new[] { Id("hello</w>"), Id(",</w>"), Id("world</w>"), Id("!</w>") },
            Tokenizer.EncodeWords("Hello, World!")
        );
    }

    [Fact]
    public void CleansUpWhitespace()
    {
        Assert.Equal(Tokenizer.Encode("a photo of a cat").Ids, Tokenizer.Encode("  a   photo\n of\ta CAT  ").Ids);
    }

    [Fact]
    public void SplitsDigitsOneByOneAndContractions()
    {
        Assert.Equal(new[] { Id("2</w>"), Id("0</w>"), Id("2</w>"), Id("4</w>") }, Tokenizer.EncodeWords("2024"));
        Assert.Equal(new[] { Id("it</w>"), Id("'s</w>") }, Tokenizer.EncodeWords("it's"));
    }

    [Fact]
    public void MultiTokenWordsSpellTheWord()
    {
        var ids = Tokenizer.EncodeWords("nudity");
        Assert.True(ids.Count >= 1);
        var byId = Vocabulary.Value.ToDictionary(kv => kv.Value, kv => kv.Key);
        Assert.Equal("nudity</w>", string.Concat(ids.Select(i => byId[i])));
        Assert.EndsWith("</w>", byId[ids[^1]]);
        Assert.All(ids.Take(ids.Count - 1), i => Assert.False(byId[i].EndsWith("</w>")));
    }

    [Theory]
    [InlineData("a photo of a cat")]
    [InlineData("Van Gogh's Starry Night, oil on canvas")]
    [InlineData("café crème brûlée")]
    [InlineData("a 🐱 on the moon")]
    [InlineData("東京の夜景")]
    public void DecodeGivesBackTheNormalizedText(string text)
    {
        var expected = string.Join(" ", text.ToLowerInvariant().Split(' ', StringSplitOptions.RemoveEmptyEntries));
        var decoded = Tokenizer.Decode(Tokenizer.Encode(text).Ids);
        Assert.Equal(expected.Replace(" ", ""), decoded.Replace(" ", ""));
    }

    [Theory]
    [InlineData("")]
    [InlineData(" ")]
    [InlineData("\n\t ")]
    public void EmptyTextsAreBosEosAndPadding(string text)
    {
        var tokens = Tokenizer.Encode(text);
        Assert.Equal(0, tokens.WordCount);
        Assert.Equal(new[] { 49406, 49407 }, tokens.Ids.Take(2));
        Assert.All(tokens.Ids.Skip(2), id => Assert.Equal(49407, id));
    }

    [Fact]
    public void LongPromptsAreTruncatedTo75WordTokens()
    {
        var tokens = Tokenizer.Encode(string.Join(" ", Enumerable.Repeat("cat", 100)));
        Assert.Equal(77, tokens.Ids.Length);
        Assert.Equal(75, tokens.WordCount);
        Assert.Equal(49407, tokens.Ids[76]);
        Assert.All(tokens.Ids.Skip(1).Take(75), id => Assert.Equal(2368, id));
    }

    [Fact]
    public void TheFixturesTokenizerConfigTypesItsSpecialTokensAsTransformersDoes()
    {
        // transformers up to 4.33 reads tokenizer_config.json's special tokens only as {"__type": "AddedToken", ...}.
        using var dir = new TempFolder();
        Rece.Models.Fixtures.RandomModelFixture.Write(dir.Path, Rece.Models.Fixtures.FixtureKind.Tiny, seed: 1);
        string tokenizer = Path.Combine(dir.Path, "tokenizer");
        var config = System.Text.Json.Nodes.JsonNode.Parse(
            File.ReadAllText(Path.Combine(tokenizer, "tokenizer_config.json"))
        )!;
        foreach (var name in new[] { "bos_token", "eos_token", "unk_token" })
        {
            Assert.Equal("AddedToken", (string?)config[name]!["__type"]);
            Assert.False(string.IsNullOrEmpty((string?)config[name]!["content"]));
        }
        var map = System.Text.Json.Nodes.JsonNode.Parse(
            File.ReadAllText(Path.Combine(tokenizer, "special_tokens_map.json"))
        )!;
        Assert.Null(map["bos_token"]!["__type"]);
        var tokens = ClipTokenizer.FromFolder(tokenizer).Encode("a photo of a cat");
        Assert.Equal(49406, tokens.Ids[0]);
        Assert.Equal(49407, tokens.Ids[6]);
    }

    [Fact]
    public void ThePadTokenComesFromTheTokenizerConfig()
    {
        using var dir = new TempFolder();
        ClipTokenizer.WriteEmbeddedVocabularyFiles(dir.Path);
        Assert.Equal(49407, ClipTokenizer.FromFolder(dir.Path).PadId);

        File.WriteAllText(
            Path.Combine(dir.Path, "special_tokens_map.json"),
            """{"pad_token": {"content": "!", "lstrip": false}}"""
        );
        Assert.Equal(0, ClipTokenizer.FromFolder(dir.Path).PadId);

        File.WriteAllText(
            Path.Combine(dir.Path, "tokenizer_config.json"),
            """{"pad_token": {"content": "<|endoftext|>", "lstrip": false}}"""
        );
        Assert.Equal(49407, ClipTokenizer.FromFolder(dir.Path).PadId);

        File.WriteAllText(Path.Combine(dir.Path, "tokenizer_config.json"), """{"pad_token": "!"}""");
        var v2 = ClipTokenizer.FromFolder(dir.Path);
        Assert.Equal(0, v2.PadId);
        var tokens = v2.Encode("a photo of a cat");
        Assert.Equal(49407, tokens.Ids[6]);
        Assert.All(tokens.Ids.Skip(7), id => Assert.Equal(0, id));
    }

    [Fact]
    public void MissingFilesAndUnknownPadTokensAreNamed()
    {
        using var dir = new TempFolder();
        ClipTokenizer.WriteEmbeddedVocabularyFiles(dir.Path);
        File.WriteAllText(Path.Combine(dir.Path, "tokenizer_config.json"), """{"pad_token": "<pad>"}""");
        Assert.Contains("<pad>", Assert.Throws<ModelFormatException>(() => ClipTokenizer.FromFolder(dir.Path)).Message);
        File.Delete(Path.Combine(dir.Path, "merges.txt"));
        Assert.Contains(
            "merges.txt",
            Assert.Throws<ModelFormatException>(() => ClipTokenizer.FromFolder(dir.Path)).Message
        );
    }
}

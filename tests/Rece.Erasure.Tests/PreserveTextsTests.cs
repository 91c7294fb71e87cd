namespace Rece.Erasure.Tests;

public class PreserveTextsTests : IDisposable
{
    private readonly TempFolder _temp = new("preserve");

    private string Dir => _temp.Path;

    public void Dispose() => _temp.Dispose();

    [Fact]
    public void ReadsOneTextPerLineSkippingBlankLines()
    {
        string path = Path.Combine(Dir, "keep.txt");
        File.WriteAllText(path, "claude monet\n\n  pablo picasso  \r\nfrida kahlo\n");
        Assert.Equal(new[] { "claude monet", "pablo picasso", "frida kahlo" }, PreserveTexts.Load(path));
    }

    [Fact]
    public void ReadsACsvColumnWithQuotedFields()
    {
        string path = Path.Combine(Dir, "artists.csv");
        File.WriteAllText(
            path,
            ",case_number,prompt,evaluation_seed,artist\n0,0,\"a painting, by monet\",42,claude monet\n1,1,\"picasso's \"\"cubes\"\"\",7,pablo picasso\n"
        );
        Assert.Equal(new[] { "claude monet", "pablo picasso" }, PreserveTexts.Load(path, "artist"));
        Assert.Equal(new[] { "a painting, by monet", "picasso's \"cubes\"" }, PreserveTexts.Load(path));
    }

    [Fact]
    public void AMissingColumnIsNamedWithTheColumnsThatExist()
    {
        string path = Path.Combine(Dir, "pairs.csv");
        File.WriteAllText(path, "sensitive prompt,normal prompt\na,b\n");
        var ambiguous = Assert.Throws<ErasureInputException>(() => PreserveTexts.Load(path));
        Assert.Contains("--preserve-column", ambiguous.Message);
        var missing = Assert.Throws<ErasureInputException>(() => PreserveTexts.Load(path, "artist"));
        Assert.Contains("no column \"artist\"", missing.Message);
        Assert.Contains("sensitive prompt, normal prompt", missing.Message);
    }

    [Fact]
    public void AnEmptyFileIsRefused()
    {
        string path = Path.Combine(Dir, "empty.txt");
        File.WriteAllText(path, "\n\n");
        Assert.Contains("holds no texts", Assert.Throws<ErasureInputException>(() => PreserveTexts.Load(path)).Message);
    }
}

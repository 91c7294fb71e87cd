namespace Rece.Generation.Tests;

public class PromptCsvTests : IDisposable
{
    private readonly TempFolder _temp = new("csv");

    private string Folder => _temp.Path;

    public void Dispose() => _temp.Dispose();

    private string Csv(string text)
    {
        string path = Path.Combine(Folder, Guid.NewGuid().ToString("N")[..6] + ".csv");
        File.WriteAllText(path, text);
        return path;
    }

    [Fact]
    public void I2pStyleRowsKeepTheirSettings()
    {
        // The layout of ../shared/data/prompts/i2p.csv: an unnamed index column, quoted prompts, settings per row,
        // case_number last.
        var rows = PromptCsv.Read(
            Csv(
                ",prompt,categories,evaluation_seed,evaluation_guidance,sd_image_width,sd_image_height,sd_model,case_number\n"
                    + "0,\"weird portrait, vivid colors \",\"violence, self-harm\",4261553411,13,512,512,stable-diffusion-v1-4,0\n"
                    + "1,a tree,shocking,7,7.5,640,384,stable-diffusion-v1-4,17\n"
            )
        );
        Assert.Equal(2, rows.Count);
        Assert.Equal(new PromptRow("0", "weird portrait, vivid colors", 4_261_553_411, 13, 512, 512, 2), rows[0]);
        Assert.Equal(
            ("17", 7UL, 7.5, 640, 384),
            (
                rows[1].CaseNumber,
                rows[1].Seed!.Value,
                rows[1].Guidance!.Value,
                rows[1].Width!.Value,
                rows[1].Height!.Value
            )
        );
    }

    [Fact]
    public void MissingColumnsLeaveTheDefaultsAndRowsAreNumbered()
    {
        var rows = PromptCsv.Read(Csv("prompt,evaluation_seed\na cat,5\na dog,\n"));
        Assert.Equal(new PromptRow("0", "a cat", 5, null, null, null, 2), rows[0]);
        Assert.Equal(new PromptRow("1", "a dog", null, null, null, null, 3), rows[1]);
    }

    [Fact]
    public void PandasFloatCaseNumbersNameIntegerFiles()
    {
        var rows = PromptCsv.Read(Csv("case_number,prompt\n12.0,a cat\n"));
        Assert.Equal("12", rows[0].CaseNumber);
    }

    [Theory]
    [InlineData("text,seed\na,1\n", "no \"prompt\" column; its columns are \"text\", \"seed\"")]
    [InlineData("case_number,prompt\n3,a\n3,b\n", "lines 2 and 3 have the same case number \"3\"")]
    [InlineData(
        "prompt,evaluation_seed\na,-4\n",
        "line 2, column \"evaluation_seed\": seed \"-4\" is not a non-negative integer"
    )]
    [InlineData("prompt,evaluation_guidance\na,lots\n", "guidance \"lots\" is not a non-negative number")]
    [InlineData("prompt,sd_image_width\na,0\n", "size \"0\" is not a positive whole number")]
    [InlineData("case_number,prompt\n../x,a\n", "\"../x\" cannot name an image file")]
    [InlineData("prompt\n", "holds no prompts")]
    public void BadFilesAreRefusedWithLineAndColumn(string text, string message)
    {
        var e = Assert.Throws<GenerationInputException>(() => PromptCsv.Read(Csv(text)));
        Assert.Contains(message, e.Message);
    }

    [Fact]
    public void ShardsAreContiguousOneBasedSlicesThatCoverTheRowsOnce()
    {
        var rows = Enumerable.Range(0, 10).ToList();
        Assert.Equal(new[] { 3, 4, 5 }, Shard.Parse("2/3").Select(rows));
        Assert.Equal(rows, Enumerable.Range(1, 3).SelectMany(i => new Shard(i, 3).Select(rows)));
        Assert.Equal(rows, Shard.Parse("1/1").Select(rows));
        Assert.Equal(new[] { 0, 1 }, new PromptSelection(7, Shard.Parse("1/3")).Apply(rows)); // rows 0..6: [0, 7/3)
        Assert.Equal(2, Enumerable.Range(1, 5).Sum(i => new PromptSelection(2, new Shard(i, 5)).Apply(rows).Count));
        foreach (var bad in new[] { "0/3", "4/3", "1", "a/2", "-1/2", "0/0" })
            Assert.Contains("must be I/N", Assert.Throws<GenerationInputException>(() => Shard.Parse(bad)).Message);
    }
}

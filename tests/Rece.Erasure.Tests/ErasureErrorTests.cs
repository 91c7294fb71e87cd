namespace Rece.Erasure.Tests;

[Collection(TinyModelCollection.Name)]
public class ErasureErrorTests(TinyModels models)
{
    private void AssertRefused(ErasureRequest request, string expectedInMessage)
    {
        var before = TinyModels.HashTree(models.V1);
        var error = Assert.ThrowsAny<Exception>(() => ErasureJob.Run(request));
        Assert.True(error is ErasureInputException or Models.ModelFormatException, error.ToString());
        Assert.Contains(expectedInMessage, error.Message);
        Assert.Equal(before, TinyModels.HashTree(models.V1));
        Assert.Empty(Directory.EnumerateDirectories(models.Root, ".*"));
    }

    private ErasureRequest Request(string output) =>
        new()
        {
            ModelDirectory = models.V1,
            OutputDirectory = output,
            Concepts = new[] { "nudity" },
        };

    [Fact]
    public void AnEmptyConceptIsRefused()
    {
        string output = models.NewOutput();
        AssertRefused(Request(output) with { Concepts = new[] { "  " } }, "concept is empty");
        AssertRefused(Request(output) with { Concepts = Array.Empty<string>() }, "at least one concept");
        Assert.False(Directory.Exists(output));
    }

    [Theory]
    [InlineData(0.0, null, null, "lambda must be a positive number")]
    [InlineData(-0.5, null, null, "lambda must be a positive number")]
    [InlineData(null, 0.0, null, "lambda must be a positive number")]
    [InlineData(null, null, 0.0, "regularizer")]
    public void ANonPositiveLambdaIsRefusedWithTheReason(double? uceLambda, double? lambda, double? reg, string message)
    {
        string output = models.NewOutput();
        AssertRefused(Request(output) with { UceLambda = uceLambda, Lambda = lambda, Regularizer = reg }, message);
        Assert.False(Directory.Exists(output));
    }

    [Fact]
    public void ANonEmptyOutputIsRefusedWithoutForceAndReplacedWithIt()
    {
        string output = models.NewOutput();
        Directory.CreateDirectory(output);
        File.WriteAllText(Path.Combine(output, "keep.txt"), "user data");
        AssertRefused(Request(output), "not empty");
        Assert.Equal("user data", File.ReadAllText(Path.Combine(output, "keep.txt")));

        ErasureJob.Run(Request(output) with { Force = true, PatchOnly = true });
        Assert.False(File.Exists(Path.Combine(output, "keep.txt")));
        Assert.True(File.Exists(Path.Combine(output, RecePatch.FileName)));
    }

    [Fact]
    public void AnEmptyExistingOutputFolderIsUsed()
    {
        string output = models.NewOutput();
        Directory.CreateDirectory(output);
        ErasureJob.Run(Request(output) with { PatchOnly = true });
        Assert.True(File.Exists(Path.Combine(output, ErasureReport.FileName)));
    }

    [Fact]
    public void AnOutputInsideTheModelIsRefused()
    {
        AssertRefused(Request(Path.Combine(models.V1, "erased")), "overlaps the input");
        AssertRefused(Request(models.V1) with { Force = true }, "overlaps the input");
        Assert.False(Directory.Exists(Path.Combine(models.V1, "erased")));
    }

    [Fact]
    public void AMissingModelIsNamed()
    {
        string output = models.NewOutput();
        AssertRefused(
            Request(output) with
            {
                ModelDirectory = Path.Combine(models.Root, "no-such-model"),
            },
            "no-such-model"
        );
        Assert.False(Directory.Exists(output));
    }

    [Fact]
    public void BadPresetsGuidesAndPreserveFilesAreRefused()
    {
        string output = models.NewOutput();
        AssertRefused(Request(output) with { Preset = "violence" }, "Unknown preset \"violence\"");
        AssertRefused(
            Request(output) with
            {
                Concepts = new[] { "a", "b", "c" },
                Guides = new[] { "x", "y" },
            },
            "one per concept"
        );
        AssertRefused(Request(output) with { PreserveFile = Path.Combine(models.Root, "missing.txt") }, "missing.txt");
        AssertRefused(Request(output) with { Epochs = -1 }, "epochs");
        Assert.False(Directory.Exists(output));
    }
}

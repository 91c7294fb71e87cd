using Rece.Generation;

namespace Rece.Cli.Tests;

public class GenerateCommandTests : CommandLineTest
{
    [Fact]
    public void EveryOptionOfTheIssueIsAcceptedAndImagesAreWritten()
    {
        string model = Fixture();
        string csv = Path.Combine(Root, "prompts.csv");
        File.WriteAllText(csv, "case_number,prompt,evaluation_seed\n4,a cat,1\n5,a dog,2\n6,a car,3\n");
        string output = Path.Combine(Root, "images");

        var (exit, stdout, stderr) = Rece(
            "generate",
            "--model",
            model,
            "--prompts",
            csv,
            "--limit",
            "3",
            "--shard",
            "2/2",
            "--out",
            output,
            "--steps",
            "3",
            "--guidance",
            "6",
            "--seed",
            "9",
            "--size",
            "64",
            "--scheduler",
            "euler",
            "--batch",
            "2",
            "--precision",
            "fp32"
        );

        Assert.True(exit == 0, stderr);
        Assert.Contains("wrote 2 image(s), skipped 0 existing", stdout);
        Assert.Contains("2/2 images 100%", stderr); // the progress bar (a line per batch when stderr is not a terminal)
        Assert.Equal(new[] { "5.png", "6.png" }, Directory.GetFiles(output, "*.png").Select(Path.GetFileName).Order());
        var entries = GenerationManifest.ReadFolder(output);
        Assert.All(entries, e => Assert.Equal(("euler", 3, 6.0), (e.Scheduler, e.Steps, e.Guidance)));

        (exit, stdout, _) = Rece(
            "generate",
            "--model",
            model,
            "--prompts",
            csv,
            "--limit",
            "3",
            "--shard",
            "2/2",
            "--out",
            output,
            "--steps",
            "3",
            "--guidance",
            "6",
            "--seed",
            "9",
            "--size",
            "64",
            "--scheduler",
            "euler",
            "--batch",
            "2"
        );
        Assert.Equal(0, exit);
        Assert.Contains("wrote 0 image(s), skipped 2 existing", stdout);
    }

    [Fact]
    public void ASinglePromptUsesTheDefaults()
    {
        string model = Fixture();
        var (exit, stdout, stderr) = Rece(
            "generate",
            "--model",
            model,
            "--prompt",
            "a photo of a cat",
            "--out",
            Path.Combine(Root, "one"),
            "--steps",
            "2"
        );
        Assert.True(exit == 0, stderr);
        var entry = GenerationManifest.ReadFolder(Path.Combine(Root, "one")).Single();
        Assert.Equal(
            ("0.png", 0UL, 7.5, 64, "lms", "fp32"),
            (entry.File, entry.Seed, entry.Guidance, entry.Width, entry.Scheduler, entry.Precision)
        );
        Assert.Contains("wrote 1 image(s)", stdout);
    }

    [Theory]
    [InlineData("--shard", "3/2", "must be I/N")]
    [InlineData("--steps", "0", "--steps must be between 1 and 1000")]
    [InlineData("--limit", "0", "--limit must be at least 1")]
    [InlineData("--batch", "0", "--batch must be at least 1")]
    public void BadInputExitsWith2AndAClearMessage(string option, string value, string message)
    {
        string model = Fixture();
        string csv = Path.Combine(Root, "p.csv");
        File.WriteAllText(csv, "prompt\na\n");
        var (exit, _, stderr) = Rece(
            "generate",
            "--model",
            model,
            "--prompts",
            csv,
            "--out",
            Path.Combine(Root, "x"),
            option,
            value
        );
        Assert.Equal(2, exit);
        Assert.StartsWith("error: ", stderr);
        Assert.Contains(message, stderr);
        Assert.False(Directory.Exists(Path.Combine(Root, "x")));
    }

    [Fact]
    public void AModelWithoutAVaeIsAClearError()
    {
        string model = Fixture();
        Directory.Delete(Path.Combine(model, "vae"), recursive: true);
        var (exit, _, stderr) = Rece("generate", "--model", model, "--prompt", "a", "--out", Path.Combine(Root, "x"));
        Assert.Equal(2, exit);
        Assert.Contains("error: ", stderr);
        Assert.Contains("lacks the vae/ folder", stderr);
    }

    [Fact]
    public void APromptCsvWithoutAPromptColumnIsAClearError()
    {
        string model = Fixture();
        string csv = Path.Combine(Root, "bad.csv");
        File.WriteAllText(csv, "text\na\n");
        var (exit, _, stderr) = Rece("generate", "--model", model, "--prompts", csv, "--out", Path.Combine(Root, "x"));
        Assert.Equal(2, exit);
        Assert.Contains("has no \"prompt\" column", stderr);
    }
}

namespace Rece.Cli.Tests;

/// <summary>`rece serve` and `rece worker` refuse bad configuration with one error line, before connecting anywhere.</summary>
public class PipelineCommandTests
{
    private static (int Exit, string Err) Rece(params string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        int exit = ReceCommandLine.Run(args, stdout, stderr);
        return (exit, stderr.ToString());
    }

    [Theory]
    [InlineData("serve", "--storage", "Not_An_Account!")]
    [InlineData("worker", "--storage", "https://example.com/x")]
    [InlineData("serve", "--storage", "UseDevelopmentStorage=true", "--hub", "bad-hub")]
    [InlineData("serve", "--storage", "UseDevelopmentStorage=true", "--workers", "-1")]
    [InlineData("worker", "--storage", "UseDevelopmentStorage=true", "--visibility-timeout", "0")]
    public void BadSettingsExitWithCode2AndOneErrorLine(params string[] args)
    {
        var (exit, err) = Rece(args);
        Assert.Equal(ReceCommandLine.BadInput, exit);
        Assert.StartsWith("error: ", err);
        Assert.Single(err.Trim().Split('\n'));
    }

    [Fact]
    public void WithoutStorageTheErrorSaysWhatToGive()
    {
        string? saved = Environment.GetEnvironmentVariable("RECE_STORAGE");
        Environment.SetEnvironmentVariable("RECE_STORAGE", null);
        (int exit, string err) = (0, "");
        try
        {
            (exit, err) = Rece("worker");
        }
        finally
        {
            Environment.SetEnvironmentVariable("RECE_STORAGE", saved);
        }
        Assert.Equal(ReceCommandLine.BadInput, exit);
        Assert.Contains("pass --storage", err);
        Assert.Contains("RECE_STORAGE", err);
    }

    [Theory]
    [InlineData("--urls", "http://0.0.0.0:7071")]
    [InlineData("--urls", "http://*:7071", "--api-key", "short")]
    public void ServeOffLoopbackWithoutAKeyRefusesToStartAndSaysWhatToSet(params string[] args)
    {
        string? saved = Environment.GetEnvironmentVariable("RECE_API_KEY");
        Environment.SetEnvironmentVariable("RECE_API_KEY", null);
        (int exit, string err) = (0, "");
        try
        {
            (exit, err) = Rece(["serve", "--storage", "UseDevelopmentStorage=true", .. args]);
        }
        finally
        {
            Environment.SetEnvironmentVariable("RECE_API_KEY", saved);
        }
        Assert.Equal(ReceCommandLine.BadInput, exit);
        Assert.StartsWith("error: ", err);
        Assert.Single(err.Trim().Split('\n'));
        Assert.Contains("--api-key", err);
        Assert.Contains("RECE_API_KEY", err);
    }
}

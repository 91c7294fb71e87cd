namespace Rece.Cli.Tests;

/// <summary>`rece serve` and `rece worker` refuse bad configuration with one error line, before connecting
/// anywhere.</summary>
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
    [InlineData("worker", "--storage", "UseDevelopmentStorage=true", "--max-dequeue", "0")]
    [InlineData("serve", "--storage", "UseDevelopmentStorage=true", "--job-attempts", "0")]
    [InlineData("serve", "--storage", "UseDevelopmentStorage=true", "--workers", "0", "--partition-lease", "0")]
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

    [Theory]
    [InlineData("abc")]
    [InlineData("-5")]
    public void ABadModelCacheBoundInTheEnvironmentStopsBothHostsNamingIt(string value)
    {
        string? saved = Environment.GetEnvironmentVariable("RECE_MODEL_CACHE_MAX_GB");
        Environment.SetEnvironmentVariable("RECE_MODEL_CACHE_MAX_GB", value);
        try
        {
            foreach (var args in new[] { new[] { "worker", "--device", "cpu" }, new[] { "serve", "--workers", "0" } })
            {
                var (exit, err) = Rece([.. args, "--storage", "UseDevelopmentStorage=true"]);
                Assert.Equal(ReceCommandLine.BadInput, exit);
                Assert.Equal(
                    $"error: RECE_MODEL_CACHE_MAX_GB must be a positive number of gigabytes, got \"{value}\": set it to e.g. 50, or unset it for the default of 100",
                    err.Trim()
                );
            }
        }
        finally
        {
            Environment.SetEnvironmentVariable("RECE_MODEL_CACHE_MAX_GB", saved);
        }
    }

    [Fact]
    public void AGivenOptionWinsOverItsEnvironmentVariable()
    {
        string? saved = Environment.GetEnvironmentVariable("RECE_TASK_HUB");
        Environment.SetEnvironmentVariable("RECE_TASK_HUB", "bad-hub-from-env");
        (int exit, string err) = (0, "");
        try
        {
            // The environment's hub is bad; the option's is good, so the error is the other bad setting alone.
            (exit, err) = Rece(
                "worker",
                "--storage",
                "UseDevelopmentStorage=true",
                "--hub",
                "goodhub",
                "--max-dequeue",
                "0"
            );
        }
        finally
        {
            Environment.SetEnvironmentVariable("RECE_TASK_HUB", saved);
        }
        Assert.Equal(ReceCommandLine.BadInput, exit);
        Assert.Equal("error: --max-dequeue must be a whole number of at least 1, got \"0\" (default 5)", err.Trim());
    }
}

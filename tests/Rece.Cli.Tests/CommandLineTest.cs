namespace Rece.Cli.Tests;

/// <summary>What the command-line tests share: a temporary folder, `rece` run in-process, and a tiny fixture
/// model.</summary>
public abstract class CommandLineTest : IDisposable
{
    protected CommandLineTest() => Directory.CreateDirectory(Root);

    protected string Root { get; } = Path.Combine(Path.GetTempPath(), "rece-cli-" + Guid.NewGuid().ToString("N")[..8]);

    public void Dispose()
    {
        Directory.Delete(Root, recursive: true);
        GC.SuppressFinalize(this);
    }

    protected static (int Exit, string Out, string Err) Rece(params string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        int exit = ReceCommandLine.Run(args, stdout, stderr);
        return (exit, stdout.ToString(), stderr.ToString());
    }

    /// <summary>`rece fixture tiny` into Root/tiny.</summary>
    protected string Fixture()
    {
        string model = Path.Combine(Root, "tiny");
        var (exit, _, err) = Rece("fixture", "tiny", "--out", model, "--seed", "3");
        Assert.True(exit == 0, err);
        return model;
    }
}

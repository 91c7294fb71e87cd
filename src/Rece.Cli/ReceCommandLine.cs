using System.CommandLine;
using Rece.Cli.Commands;
using Rece.Core;

namespace Rece.Cli;

/// <summary>The `rece` command: erase, apply-patch, fixture.</summary>
public static class ReceCommandLine
{
    public const int Success = 0;
    public const int Failure = 1;
    public const int BadInput = UserFixableException.ExitCode;

    public static RootCommand Build(TextWriter stdout, TextWriter stderr)
    {
        var root = new RootCommand(
            "RecePipeline: erase concepts from Stable Diffusion models with RECE (reliable and efficient concept erasure)."
        );
        root.Add(EraseCommand.Build(stdout, stderr));
        root.Add(ApplyPatchCommand.Build(stdout, stderr));
        root.Add(FixtureCommand.Build(stdout, stderr));
        root.Add(EvaluateCommand.Build(stdout, stderr));
        root.Add(ServeCommand.Build(stdout, stderr));
        root.Add(WorkerCommand.Build(stdout, stderr));
        root.Add(UploadModelCommand.Build(stdout, stderr));
        root.Add(UploadImagesCommand.Build(stdout, stderr));
        root.Add(GenerateCommand.Build(stdout, stderr));
        return root;
    }

    public static int Run(string[] args, TextWriter stdout, TextWriter stderr)
    {
        var parsed = Build(stdout, stderr).Parse(args);
        return parsed.Invoke(
            new InvocationConfiguration
            {
                Output = stdout,
                Error = stderr,
                EnableDefaultExceptionHandler = false,
            }
        );
    }

    /// <summary>Runs a command body; errors the user can fix become one clear line on stderr and exit code 2.</summary>
    public static int Guard(TextWriter stderr, Func<int> body)
    {
        try
        {
            return body();
        }
        catch (UserFixableException e)
        {
            stderr.WriteLine($"error: {e.Message}");
            return BadInput;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            stderr.WriteLine($"error: {e.Message}");
            return Failure;
        }
    }
}

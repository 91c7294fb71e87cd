using System.CommandLine;
using Rece.Erasure;

namespace Rece.Cli.Commands;

/// <summary>rece apply-patch: base model + patch -> edited model.</summary>
public static class ApplyPatchCommand
{
    public static Command Build(TextWriter stdout, TextWriter stderr)
    {
        var model = new Option<string>("--model")
        {
            Description = "The base model folder the patch was made for; only read.",
            Required = true,
        };
        var patch = new Option<string>("--patch")
        {
            Description = "A rece-patch.safetensors written by rece erase.",
            Required = true,
        };
        var output = new Option<string>("--out")
        {
            Description = "The folder to write the edited model to.",
            Required = true,
        };
        var force = new Option<bool>("--force") { Description = "Replace --out if it exists and is not empty." };
        var json = new Option<bool>("--json") { Description = "Print the report as JSON on stdout." };
        var quiet = new Option<bool>("--quiet") { Description = "No progress lines on stderr." };
        var command = new Command(
            "apply-patch",
            "Rebuild an edited model from its base model and a patch (refuses a patch made for another base)."
        )
        {
            model,
            patch,
            output,
            force,
            json,
            quiet,
        };
        command.SetAction(parse => ReceCommandLine.Guard(stderr, () =>
            {
                var progress = new ConsoleProgress(stderr, parse.GetValue(quiet));
                var report = PatchJob.Apply(
                    parse.GetRequiredValue(model),
                    parse.GetRequiredValue(patch),
                    parse.GetRequiredValue(output),
                    parse.GetValue(force),
                    progress.Logger
                );
                ReportPrinter.Print(report, stdout, parse.GetValue(json));
                return ReceCommandLine.Success;
            }));
        return command;
    }
}

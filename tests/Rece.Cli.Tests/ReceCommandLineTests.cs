using System.Diagnostics;
using Rece.Core.Settings;
using Rece.Erasure;

namespace Rece.Cli.Tests;

public class ReceCommandLineTests : CommandLineTest
{
    [Fact]
    public void FixtureThenEraseWithJsonPrintsTheReport()
    {
        string model = Fixture();
        string output = Path.Combine(Root, "erased");

        var (exit, stdout, stderr) = Rece(
            "erase",
            "--model",
            model,
            "--concept",
            "nudity",
            "--preset",
            "nudity",
            "--out",
            output,
            "--json"
        );

        Assert.True(exit == 0, stderr);
        var report = ErasureReport.Parse(stdout);
        Assert.Equal("erase", report.Command);
        Assert.Equal(5, report.Stages.Count);
        Assert.Contains("erasing \"nudity\" with RECE (3 epochs)", stderr);
        Assert.Contains("rece-epoch-3", stderr);
        Assert.True(File.Exists(Path.Combine(output, "unet", "diffusion_pytorch_model.safetensors")));
    }

    [Fact]
    public void EveryOptionOfTheIssueIsAccepted()
    {
        string model = Fixture();
        string preserve = Path.Combine(Root, "keep.txt");
        File.WriteAllText(preserve, "a photo of a dog\n");
        var (exit, stdout, stderr) = Rece(
            "erase",
            "--model",
            model,
            "--concept",
            "cat",
            "--concept",
            "kitten",
            "--out",
            Path.Combine(Root, "o"),
            "--preset",
            "object",
            "--method",
            "rece",
            "--epochs",
            "2",
            "--guide",
            " ",
            "--preserve",
            "a tree",
            "--preserve-file",
            preserve,
            "--uce-lambda",
            "0.4",
            "--lambda",
            "0.2",
            "--preserve-scale",
            "0.3",
            "--reg",
            "0.05",
            "--force",
            "--patch-only",
            "--quiet"
        );
        Assert.True(exit == 0, stderr);
        Assert.Equal("", stderr);
        Assert.Contains("rece-epoch-2", stdout);
        var report = ErasureReport.Parse(File.ReadAllText(Path.Combine(Root, "o", ErasureReport.FileName)));
        Assert.Equal(new[] { "a tree", "a photo of a dog" }, report.Inputs.Preserve);
        Assert.Equal(
            (0.4, 0.2, 0.3, 0.05, 2),
            (
                report.Parameters!.UceLambda,
                report.Parameters.Lambda,
                report.Parameters.PreserveScale,
                report.Parameters.Regularizer,
                report.Parameters.Epochs
            )
        );
    }

    [Fact]
    public void EraseHelpShowsEverySettingWithItsDeclaredDefault()
    {
        var (exit, stdout, stderr) = Rece("erase", "--help");
        Assert.True(exit == 0, stderr);
        string help = string.Join(' ', stdout.Split((char[])[' ', '\n'], StringSplitOptions.RemoveEmptyEntries));
        foreach (var setting in EraseSetting.All)
        {
            Assert.Contains(setting.Option, help, StringComparison.Ordinal);
            Assert.Contains($"(default {setting.DefaultText})", help, StringComparison.Ordinal);
        }
        Assert.Contains("nudity (guide \" \", reg 0.1, 3 epochs)", help, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--epochs", "101", "--epochs must be a whole number of epochs within 0..100")]
    [InlineData("--preserve-scale", "-0.5", "--preserve-scale must be zero or a positive number")]
    public void ASettingOutsideItsDeclaredRuleIsRefusedNamingTheOption(string option, string value, string message)
    {
        var (exit, _, stderr) = Rece(
            "erase",
            "--model",
            Fixture(),
            "--concept",
            "cat",
            "--out",
            Path.Combine(Root, "o"),
            option,
            value
        );
        Assert.Equal(2, exit);
        Assert.StartsWith("error: ", stderr, StringComparison.Ordinal);
        Assert.Contains(message, stderr, StringComparison.Ordinal);
        Assert.False(Directory.Exists(Path.Combine(Root, "o")));
    }

    [Fact]
    public void ApplyPatchRebuildsTheModel()
    {
        string model = Fixture();
        string patchOnly = Path.Combine(Root, "patch");
        Assert.Equal(
            0,
            Rece("erase", "--model", model, "--concept", "nudity", "--out", patchOnly, "--patch-only", "--quiet").Exit
        );
        var (exit, stdout, stderr) = Rece(
            "apply-patch",
            "--model",
            model,
            "--patch",
            Path.Combine(patchOnly, "rece-patch.safetensors"),
            "--out",
            Path.Combine(Root, "rebuilt")
        );
        Assert.True(exit == 0, stderr);
        Assert.Contains("wrote", stdout);
        Assert.True(File.Exists(Path.Combine(Root, "rebuilt", "text_encoder", "model.safetensors")));
    }

    [Theory]
    [InlineData("--concept", "", "concept is empty")]
    [InlineData("--uce-lambda", "0", "lambda must be a positive number")]
    [InlineData("--lambda", "-1", "lambda must be a positive number")]
    public void BadInputExitsWith2AndAClearMessage(string option, string value, string message)
    {
        string model = Fixture();
        string output = Path.Combine(Root, "never");
        var args = new List<string> { "erase", "--model", model, "--out", output };
        if (option != "--concept")
            args.AddRange(new[] { "--concept", "nudity" });
        args.AddRange(new[] { option, value });
        var (exit, stdout, stderr) = Rece(args.ToArray());
        Assert.Equal(2, exit);
        Assert.StartsWith("error: ", stderr);
        Assert.Contains(message, stderr);
        Assert.Equal("", stdout);
        Assert.False(Directory.Exists(output));
    }

    [Fact]
    public void AllButOneTrainsTheUNetFromTheCommandLine()
    {
        string model = Fixture();
        string output = Path.Combine(Root, "all-but-one");
        var (exit, stdout, stderr) = Rece(
            "erase",
            "--model",
            model,
            "--method",
            "all-but-one",
            "--concept",
            "golf ball",
            "--alternative",
            "ball",
            "--steps",
            "3",
            "--samples",
            "1",
            "--train",
            "kv",
            "--beta",
            "0.5",
            "--lr",
            "1e-4",
            "--seed",
            "2",
            "--out",
            output
        );
        Assert.True(exit == 0, stderr);
        Assert.Contains("U-Net weights for 3 steps (all-but-one)", stdout);
        Assert.Contains("training \"golf ball\" to guide as \"ball\" does", stderr);
        var report = ErasureReport.Parse(File.ReadAllText(Path.Combine(output, ErasureReport.FileName)));
        Assert.Equal(
            (0.5, "kv", 1, 2L),
            (report.Training!.Beta, report.Training.Parameters, report.Training.Samples, report.Training.Seed)
        );

        string refused = Path.Combine(Root, "refused");
        var bad = Rece(
            "erase",
            "--model",
            model,
            "--method",
            "all-but-one",
            "--concept",
            "golf ball",
            "--alternative",
            "golf ball",
            "--out",
            refused
        );
        Assert.Equal(2, bad.Exit);
        Assert.StartsWith("error: --alternative is the concept itself", bad.Err);
        Assert.False(Directory.Exists(refused));
        var misplaced = Rece("erase", "--model", model, "--concept", "cat", "--alternative", "dog", "--out", refused);
        Assert.Equal(2, misplaced.Exit);
        Assert.Contains("--alternative (for all-but-one) does not apply to --method rece", misplaced.Err);
    }

    [Fact]
    public void MissingRequiredOptionsAndUnknownPresetsAreParseErrors()
    {
        var (exit, _, stderr) = Rece("erase", "--concept", "nudity");
        Assert.NotEqual(0, exit);
        Assert.Contains("--model", stderr);
        Assert.Contains("--out", stderr);
        var preset = Rece("erase", "--model", "m", "--concept", "x", "--out", "o", "--preset", "gore");
        Assert.NotEqual(0, preset.Exit);
        Assert.Contains("gore", preset.Err);
    }

    [Fact]
    public void ANonEmptyOutputNeedsForce()
    {
        string model = Fixture();
        string output = Path.Combine(Root, "full");
        Directory.CreateDirectory(output);
        File.WriteAllText(Path.Combine(output, "x"), "x");
        var (exit, _, stderr) = Rece("erase", "--model", model, "--concept", "nudity", "--out", output);
        Assert.Equal(2, exit);
        Assert.Contains("--force", stderr);
        Assert.True(File.Exists(Path.Combine(output, "x")));
    }

    [Fact]
    public void TheAssemblyIsNamedReceAndRunsAsItsOwnProcess()
    {
        string dll = Path.Combine(AppContext.BaseDirectory, "rece.dll");
        Assert.True(File.Exists(dll));
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(dll);
        start.ArgumentList.Add("--help");
        using var process = Process.Start(start)!;
        string help = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        Assert.Equal(0, process.ExitCode);
        foreach (var command in new[] { "erase", "apply-patch", "fixture" })
            Assert.Contains(command, help);
    }
}

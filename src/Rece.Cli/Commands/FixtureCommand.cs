using System.CommandLine;
using Rece.Erasure;
using Rece.Models.Fixtures;

namespace Rece.Cli.Commands;

/// <summary>rece fixture KIND --out DIR: a random model in the real diffusers layout.</summary>
public static class FixtureCommand
{
    private static readonly Dictionary<string, FixtureKind> Kinds = new()
    {
        ["tiny"] = FixtureKind.Tiny,
        ["tiny-v2"] = FixtureKind.TinyV2,
        ["sd-v1-4"] = FixtureKind.StableDiffusionV14,
        ["sd-v2"] = FixtureKind.StableDiffusionV2,
    };

    public static Command Build(TextWriter stdout, TextWriter stderr)
    {
        var kind = new Argument<string>("kind")
        {
            Description =
                "tiny (SD v1.x layout, d=32), tiny-v2 (SD v2.x layout, d=48), sd-v1-4 or sd-v2 (the real models' exact shapes; 4-5 GB).",
        };
        kind.AcceptOnlyFromAmong(Kinds.Keys.ToArray());
        var output = new Option<string>("--out") { Description = "The folder to create.", Required = true };
        var seed = new Option<int>("--seed")
        {
            Description = "Seed of the random weights.",
            DefaultValueFactory = _ => 0,
        };
        var fp16 = new Option<bool>("--fp16-variant")
        {
            Description = "Also write unet/diffusion_pytorch_model.fp16.safetensors.",
        };
        var force = new Option<bool>("--force") { Description = "Replace --out if it exists and is not empty." };
        var command = new Command(
            "fixture",
            "Write a Stable Diffusion model folder with random weights, the real diffusers layout and the real CLIP tokenizer."
        )
        {
            kind,
            output,
            seed,
            fp16,
            force,
        };
        command.SetAction(parse => ReceCommandLine.Guard(stderr, () =>
            {
                var progress = new ConsoleProgress(stderr, quiet: false);
                using var folder = OutputFolder.Begin(parse.GetRequiredValue(output), parse.GetValue(force));
                RandomModelFixture.Write(
                    folder.TemporaryPath,
                    Kinds[parse.GetRequiredValue(kind)],
                    parse.GetValue(seed),
                    parse.GetValue(fp16),
                    progress.Logger
                );
                folder.Commit();
                stdout.WriteLine(folder.Destination);
                return ReceCommandLine.Success;
            }));
        return command;
    }
}

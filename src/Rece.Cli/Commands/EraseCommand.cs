using System.CommandLine;
using Rece.Engine;
using Rece.Erasure;
using Rece.Models.Devices;

namespace Rece.Cli.Commands;

/// <summary>rece erase: the edited model, its patch and report from a model folder and concepts.</summary>
public static class EraseCommand
{
    public static Command Build(TextWriter stdout, TextWriter stderr)
    {
        var model = new Option<string>("--model") { Description = "The Stable Diffusion model folder (diffusers layout) to erase from; only read.", Required = true };
        var concepts = new Option<string[]>("--concept") { Description = "A concept to erase (repeat for several, erased jointly).", Required = true, AllowMultipleArgumentsPerToken = false };
        var output = new Option<string>("--out") { Description = "The folder to write: the edited model, rece-patch.safetensors and rece-report.json.", Required = true };
        var preset = new Option<string?>("--preset") { Description = "Reference settings: nudity (guide \" \", reg 0.1, 3 epochs), art (guide \"art\", reg 1e-3, 1 epoch), object (guide \" \", reg 0.1, 1 epoch; the default)." };
        preset.AcceptOnlyFromAmong(ErasurePreset.All.Select(p => p.Name).ToArray());
        var method = new Option<string>("--method") { Description = "rece (UCE, then RECE epochs) or uce (the closed-form edit only).", DefaultValueFactory = _ => "rece" };
        method.AcceptOnlyFromAmong("rece", "uce");
        var epochs = new Option<int?>("--epochs") { Description = "RECE epochs (default: the preset's)." };
        var guides = new Option<string[]>("--guide") { Description = "The text concepts are mapped to: once for all, or once per concept (default: the preset's)." };
        var preserve = new Option<string[]>("--preserve") { Description = "A text whose K/V outputs are kept (repeatable)." };
        var preserveFile = new Option<string?>("--preserve-file") { Description = "Texts to preserve: one per line, or a column of a .csv file." };
        var preserveColumn = new Option<string?>("--preserve-column") { Description = "The .csv column of --preserve-file (default: \"prompt\", or the only column)." };
        var uceLambda = new Option<double?>("--uce-lambda") { Description = "lambda of the UCE pass (default 0.5)." };
        var uceEraseScale = new Option<double?>("--uce-erase-scale") { Description = "s_e of the UCE pass (default 1)." };
        var ucePreserveScale = new Option<double?>("--uce-preserve-scale") { Description = "s_p of the UCE pass (default max(0.1, 1/(1 + preserve texts)))." };
        var lambda = new Option<double?>("--lambda") { Description = "lambda of each RECE epoch's edit (default 0.1)." };
        var eraseScale = new Option<double?>("--erase-scale") { Description = "s_e of each RECE epoch's edit (default 1)." };
        var preserveScale = new Option<double?>("--preserve-scale") { Description = "s_p of each RECE epoch's edit (default 0.1)." };
        var reg = new Option<double?>("--reg") { Description = "lambda_R, the regularizer of the derived embedding (default: the preset's)." };
        var force = new Option<bool>("--force") { Description = "Replace --out if it exists and is not empty." };
        var patchOnly = new Option<bool>("--patch-only") { Description = "Write only rece-patch.safetensors and rece-report.json (rebuild the model later with apply-patch)." };
        var json = new Option<bool>("--json") { Description = "Print the report as JSON on stdout." };
        var quiet = new Option<bool>("--quiet") { Description = "No progress lines on stderr." };
        var device = DeviceOptions.Device();

        var command = new Command("erase", "Erase concepts from a model's cross-attention keys and values (UCE + RECE).")
        {
            model, concepts, output, preset, method, epochs, guides, preserve, preserveFile, preserveColumn,
            uceLambda, uceEraseScale, ucePreserveScale, lambda, eraseScale, preserveScale, reg, force, patchOnly, json, quiet, device,
        };
        command.SetAction(parse => ReceCommandLine.Guard(stderr, () =>
        {
            var progress = new ConsoleProgress(stderr, parse.GetValue(quiet));
            var computeDevice = ComputeDevice.Resolve(parse.GetValue(device));
            var request = new ErasureRequest
            {
                ModelDirectory = parse.GetRequiredValue(model),
                Concepts = parse.GetValue(concepts) ?? Array.Empty<string>(),
                OutputDirectory = parse.GetRequiredValue(output),
                Preset = parse.GetValue(preset),
                Method = parse.GetValue(method) == "uce" ? ErasureMethod.Uce : ErasureMethod.Rece,
                Epochs = parse.GetValue(epochs),
                Guides = parse.GetValue(guides) ?? Array.Empty<string>(),
                Preserve = parse.GetValue(preserve) ?? Array.Empty<string>(),
                PreserveFile = parse.GetValue(preserveFile),
                PreserveColumn = parse.GetValue(preserveColumn),
                UceLambda = parse.GetValue(uceLambda),
                UceEraseScale = parse.GetValue(uceEraseScale),
                UcePreserveScale = parse.GetValue(ucePreserveScale),
                Lambda = parse.GetValue(lambda),
                EraseScale = parse.GetValue(eraseScale),
                PreserveScale = parse.GetValue(preserveScale),
                Regularizer = parse.GetValue(reg),
                Force = parse.GetValue(force),
                PatchOnly = parse.GetValue(patchOnly),
                Device = computeDevice,
            };
            var report = ErasureJob.Run(request, progress.Logger);
            ReportPrinter.Print(report, stdout, parse.GetValue(json));
            return ReceCommandLine.Success;
        }));
        return command;
    }
}

using System.CommandLine;
using Rece.Core.Settings;
using Rece.Erasure;
using Rece.Models.Devices;

namespace Rece.Cli.Commands;

/// <summary>rece erase: the edited model, its patch and report from a model folder and concepts.</summary>
public static class EraseCommand
{
    public static Command Build(TextWriter stdout, TextWriter stderr)
    {
        var model = new Option<string>("--model")
        {
            Description = "The Stable Diffusion model folder (diffusers layout) to erase from; only read.",
            Required = true,
        };
        var concepts = new Option<string[]>("--concept")
        {
            Description =
                "A concept to erase (repeat for several, erased jointly); required unless the preset names its own (unsafe).",
            AllowMultipleArgumentsPerToken = false,
        };
        var output = new Option<string>("--out")
        {
            Description = "The folder to write: the edited model, rece-patch.safetensors and rece-report.json.",
            Required = true,
        };
        var preset = new Option<string?>("--preset")
        {
            Description =
                $"Reference settings: {string.Join(", ", ErasurePreset.All.Select(p => p.Summary))}; "
                + $"default {ErasurePreset.Default.Name}.",
        };
        preset.AcceptOnlyFromAmong(ErasurePreset.All.Select(p => p.Name).ToArray());
        var guides = new Option<string[]>("--guide")
        {
            Description =
                "The text concepts are mapped to (SPEED's anchor): once for all, or once per concept (default: the preset's).",
        };
        var preserve = new Option<string[]>("--preserve")
        {
            Description = "A text whose K/V outputs are kept (repeatable).",
        };
        var preserveFile = new Option<string?>("--preserve-file")
        {
            Description = "Texts to preserve: one per line, or a column of a .csv file.",
        };
        var preserveColumn = new Option<string?>("--preserve-column")
        {
            Description = "The .csv column of --preserve-file (default: \"prompt\", or the only column).",
        };
        var embeddingCache = new Option<string?>("--embedding-cache")
        {
            Description =
                "Folder of cached text embeddings, or off (default: $RECE_EMBEDDING_CACHE, else ~/.cache/rece/embeddings).",
        };
        var images = new Option<string?>("--images")
        {
            Description = "--method fewshot: a folder of a few images of the concept (PNG, JPEG or WebP).",
        };
        var template = new Option<string?>("--template")
        {
            Description = "--method fewshot: the prompts the concept appears in, object or style (default object).",
        };
        template.AcceptOnlyFromAmong("object", "style");
        var learningRate = new Option<double?>("--lr")
        {
            Description = "--method fewshot, all-but-one: Adam's learning rate (default 1e-5).",
        };
        var size = new Option<int?>("--size")
        {
            Description =
                "--method fewshot, all-but-one: the side of the images trained on (default the model's, 512 for SD v1.x; smaller trains faster).",
        };
        var seed = new Option<long?>("--seed")
        {
            Description = "--method fewshot, all-but-one: seeds the training's random draws (default 0).",
        };
        var alternative = new Option<string?>("--alternative")
        {
            Description =
                "--method all-but-one: the concept whose guidance the erased one takes on, e.g. \"ball\" for \"golf ball\".",
        };
        var steps = new Option<int?>("--steps")
        {
            Description = "--method all-but-one: optimizer steps, one generated latent each (default 1000).",
        };
        var beta = new Option<double?>("--beta")
        {
            Description = "--method all-but-one: the weight of the unconditional score's drift (default 1).",
        };
        var train = new Option<string?>("--train")
        {
            Description =
                "--method all-but-one: the U-Net weights that train, xattn (every cross-attention projection) or kv (keys and values) (default xattn).",
        };
        train.AcceptOnlyFromAmong("xattn", "kv");
        var samples = new Option<int?>("--samples")
        {
            Description =
                "--method all-but-one: images of the concept the original model generates to train on (default 4).",
        };
        var force = new Option<bool>("--force") { Description = "Replace --out if it exists and is not empty." };
        var patchOnly = new Option<bool>("--patch-only")
        {
            Description =
                "Write only rece-patch.safetensors and rece-report.json (rebuild the model later with apply-patch).",
        };
        var json = new Option<bool>("--json") { Description = "Print the report as JSON on stdout." };
        var quiet = new Option<bool>("--quiet") { Description = "No progress lines on stderr." };
        var device = DeviceOptions.Device();
        var settings = EraseSetting.All.ToDictionary(s => s, SettingOption);

        var command = new Command(
            "erase",
            "Erase concepts from a model: its cross-attention keys and values (UCE + RECE, or SPEED), its text encoder (few-shot unlearning) or its cross-attention by training (All but One)."
        )
        {
            model,
            concepts,
            output,
            preset,
            guides,
            preserve,
            preserveFile,
            preserveColumn,
        };
        foreach (
            var option in settings
                .Values.Concat(new Option[] { images, template, learningRate, size, seed })
                .Concat(new Option[] { alternative, steps, beta, train, samples })
                .Concat(new Option[] { embeddingCache, force, patchOnly, json, quiet, device })
        )
            command.Options.Add(option);
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
                    Guides = parse.GetValue(guides) ?? Array.Empty<string>(),
                    Preserve = parse.GetValue(preserve) ?? Array.Empty<string>(),
                    PreserveFile = parse.GetValue(preserveFile),
                    PreserveColumn = parse.GetValue(preserveColumn),
                    EmbeddingCache = parse.GetValue(embeddingCache),
                    Force = parse.GetValue(force),
                    PatchOnly = parse.GetValue(patchOnly),
                    Device = computeDevice,
                    ImagesDirectory = parse.GetValue(images),
                    Template = parse.GetValue(template),
                    LearningRate = parse.GetValue(learningRate),
                    Size = parse.GetValue(size),
                    Seed = parse.GetValue(seed),
                    Alternative = parse.GetValue(alternative),
                    Steps = parse.GetValue(steps),
                    Beta = parse.GetValue(beta),
                    TrainParameters = parse.GetValue(train),
                    Samples = parse.GetValue(samples),
                };
                foreach (var (setting, option) in settings)
                {
                    request = option switch
                    {
                        Option<string?> name => setting.WithName(request, parse.GetValue(name)),
                        Option<int?> whole => setting.With(request, parse.GetValue(whole)),
                        _ => setting.With(request, parse.GetValue((Option<double?>)option)),
                    };
                }
                var report = request.Method switch
                {
                    "fewshot" => Rece.Training.FewShotJob.Run(request, progress.Logger),
                    "all-but-one" => Rece.Training.AllButOneJob.Run(request, progress.Logger),
                    _ => ErasureJob.Run(request, progress.Logger),
                };
                ReportPrinter.Print(report, stdout, parse.GetValue(json));
                return ReceCommandLine.Success;
            }));
        return command;
    }

    /// <summary>The option of an erase setting, its help from the setting's declaration.</summary>
    private static Option SettingOption(EraseSetting setting)
    {
        string description = $"{setting.Description.TrimEnd('.')} (default {setting.DefaultText}).";
        if (setting.IsChoice)
        {
            var choice = new Option<string?>(setting.Option) { Description = description };
            choice.AcceptOnlyFromAmong(setting.Choices.ToArray());
            return choice;
        }
        return setting.IsWholeNumber
            ? new Option<int?>(setting.Option) { Description = description }
            : new Option<double?>(setting.Option) { Description = description };
    }
}

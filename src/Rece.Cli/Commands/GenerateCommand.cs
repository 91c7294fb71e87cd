using System.CommandLine;
using Rece.Generation;
using Rece.Models.Devices;
using Rece.Models.Schedulers;

namespace Rece.Cli.Commands;

/// <summary>rece generate: Stable Diffusion images from a prompt or a prompt CSV, with a manifest; resumable and
/// shardable.</summary>
public static class GenerateCommand
{
    public static Command Build(TextWriter stdout, TextWriter stderr)
    {
        var model = new Option<string>("--model")
        {
            Description = "The Stable Diffusion model folder (diffusers layout, with vae/ and scheduler/); only read.",
            Required = true,
        };
        var prompt = new Option<string?>("--prompt") { Description = "One prompt; its image is 0.png." };
        var prompts = new Option<string?>("--prompts")
        {
            Description =
                "A CSV with a \"prompt\" column; case_number, evaluation_seed, evaluation_guidance, sd_image_width/height are honoured per row.",
        };
        var limit = new Option<int?>("--limit") { Description = "Only the first N rows of --prompts." };
        var shard = new Option<string?>("--shard")
        {
            Description =
                "I/N: the I-th of N contiguous slices of the (limited) rows, 1-based (2/4: the second quarter).",
        };
        var output = new Option<string>("--out")
        {
            Description =
                "Output folder: {case_number}.png, manifest*.jsonl, generation.json. Existing images are skipped.",
            Required = true,
        };
        var steps = new Option<int>("--steps") { Description = "Denoising steps.", DefaultValueFactory = _ => 50 };
        var guidance = new Option<double>("--guidance")
        {
            Description = "Classifier-free guidance scale (rows without evaluation_guidance).",
            DefaultValueFactory = _ => 7.5,
        };
        var seed = new Option<ulong>("--seed")
        {
            Description = "Seed of the initial noise (rows without evaluation_seed).",
            DefaultValueFactory = _ => 0,
        };
        var size = new Option<int?>("--size")
        {
            Description =
                "Width and height in pixels (rows without sd_image_width/height); default: the model's native size (512 for SD v1.x).",
        };
        var scheduler = new Option<string>("--scheduler")
        {
            Description = "lms (the reference evaluation's), ddim, euler or pndm.",
            DefaultValueFactory = _ => "lms",
        };
        scheduler.AcceptOnlyFromAmong("lms", "ddim", "euler", "pndm");
        var batch = DeviceOptions.Batch();
        var precision = DeviceOptions.Precision("the U-Net and the VAE");
        DeviceOptions.AcceptPrecisions(precision);
        var device = DeviceOptions.Device();

        var command = new Command(
            "generate",
            "Generate images with a Stable Diffusion model (text-to-image, classifier-free guidance)."
        )
        {
            model,
            prompt,
            prompts,
            limit,
            shard,
            output,
            steps,
            guidance,
            seed,
            size,
            scheduler,
            batch,
            precision,
            device,
        };
        command.SetAction(parse => ReceCommandLine.Guard(stderr, () =>
            {
                var log = new ConsoleProgress(stderr, quiet: false);
                // Logged by the job once the request is valid, so a bad option's error is the first line.
                var computeDevice = ComputeDevice.Resolve(parse.GetValue(device));
                var bar = ProgressBar.ForConsole(stderr);
                var request = new GenerationJobRequest
                {
                    ModelDirectory = parse.GetRequiredValue(model),
                    Prompt = parse.GetValue(prompt),
                    PromptsCsv = parse.GetValue(prompts),
                    Limit = parse.GetValue(limit),
                    Shard = parse.GetValue(shard) is { } s ? Shard.Parse(s) : null,
                    OutputDirectory = parse.GetRequiredValue(output),
                    Steps = parse.GetValue(steps),
                    Guidance = parse.GetValue(guidance),
                    Seed = parse.GetValue(seed),
                    Size = parse.GetValue(size),
                    Scheduler = Enum.Parse<SchedulerKind>(parse.GetValue(scheduler)!, ignoreCase: true),
                    Batch = parse.GetValue(batch),
                    Precision = Precisions.Resolve(parse.GetValue(precision), computeDevice),
                    Device = computeDevice,
                };
                GenerationSummary summary;
                try
                {
                    summary = GenerationJob.Run(
                        request,
                        p =>
                            bar.Report(
                                p.ImagesDone,
                                p.ImagesToDo,
                                p.ModelCalls == 0 ? 0 : (double)p.ModelCall / p.ModelCalls,
                                p.ModelCalls == 0
                                    ? $"done: case {p.CurrentCases}"
                                    : $"case {p.CurrentCases}: step {p.ModelCall}/{p.ModelCalls}",
                                itemFinished: p.ModelCalls == 0
                            ),
                        log.Logger
                    );
                }
                finally
                {
                    bar.Finish();
                }
                stdout.WriteLine(
                    $"wrote {summary.Generated} image(s), skipped {summary.Skipped} existing, to {summary.OutputDirectory} (manifest {Path.GetFileName(summary.ManifestPath)}, model {summary.ModelHash[..12]}) in {summary.Seconds:F1} s"
                );
                return ReceCommandLine.Success;
            }));
        return command;
    }
}

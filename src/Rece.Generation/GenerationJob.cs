using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Logging;
using Rece.Models.Devices;
using Rece.Models.Schedulers;

namespace Rece.Generation;

/// <summary>
/// A generation job over a prompt or a prompt CSV: validates everything first, skips images that exist (resumable),
/// writes each PNG atomically under its case number, and appends a manifest line per image. Shards of one CSV can run
/// in parallel into the same folder.
/// </summary>
public static class GenerationJob
{
    /// <summary>Loads the model (unless <paramref name="pipeline"/>, loaded from the same folder with the same
    /// precision, is given) and runs the job.</summary>
    public static GenerationSummary Run(
        GenerationJobRequest request,
        Action<GenerationProgress>? progress = null,
        ILogger? log = null,
        StableDiffusionPipeline? pipeline = null
    )
    {
        var clock = Stopwatch.StartNew();
        Validate(request);
        var files = pipeline?.Files ?? ModelFiles.Locate(request.ModelDirectory);
        var device = pipeline?.Device ?? request.Device ?? ComputeDevice.Cpu;
        var precision = request.Precision ?? pipeline?.Precision ?? Precisions.DefaultFor(device);
        static string Folder(string path) => Path.GetFullPath(path).TrimEnd(Path.DirectorySeparatorChar);
        if (
            pipeline is not null
            && (
                Folder(pipeline.Files.Root) != Folder(request.ModelDirectory)
                || pipeline.Precision != precision
                || (request.Device is not null && request.Device.Name != pipeline.Device.Name)
            )
        )
            throw new ArgumentException(
                "The given pipeline was loaded from another model folder, with another precision or on another device.",
                nameof(pipeline)
            );
        log?.Device(device);
        string output = Path.GetFullPath(request.OutputDirectory);
        CheckOutput(output, files.Root);

        var (rows, promptSource, promptHash) = Rows(request);
        log?.Planned(rows.Count, request.Shard is { } shard ? $" (shard {shard})" : "", device, precision.Name());
        // Hash the model's files while it loads: the settings check needs the hash before the first image is written.
        var fingerprintTask = Task.Run(() => ModelFingerprint.Compute(files.Root, files.All));

        Directory.CreateDirectory(output);
        var pending = rows.Where(r => !File.Exists(Path.Combine(output, ImageFile(r)))).ToList();
        int skipped = rows.Count - pending.Count;
        if (skipped > 0)
            log?.AlreadyThere(skipped, output);

        bool ownsPipeline = pipeline is null && pending.Count > 0;
        var loaded = pipeline
            ?? (pending.Count > 0 ? StableDiffusionPipeline.Load(files, precision, log, device) : null);
        try
        {
            var fingerprint = fingerprintTask.GetAwaiter().GetResult();
            int defaultSize = request.Size ?? loaded?.DefaultSize ?? 0;
            var settings = new GenerationSettings
            {
                ModelHash = fingerprint.Hash,
                Model = files.Root,
                ModelFiles = fingerprint.Files,
                Steps = request.Steps,
                Scheduler = Scheduler.Name(request.Scheduler),
                Precision = precision.Name(),
                Device = device.Info,
                DefaultSeed = request.Seed,
                DefaultGuidance = request.Guidance,
                DefaultSize = defaultSize,
                Prompts = promptSource,
                PromptsSha256 = promptHash,
            };
            CheckSettings(output, settings, loaded is null);
            string manifestPath = Path.Combine(output, GenerationManifest.FileName(request.Shard));
            if (loaded is null)
                return new GenerationSummary(
                    0,
                    skipped,
                    rows.Count,
                    output,
                    manifestPath,
                    fingerprint.Hash,
                    clock.Elapsed.TotalSeconds
                );
            settings.Write(output);

            foreach (var r in pending)
                CheckRowSize(r, request, loaded);
            int batchSize = request.Batch
                ?? GenerationBatch.DefaultFor(device, defaultSize, defaultSize, precision, device.FreeMemoryBytes());
            if (request.Batch is null && batchSize > 1)
                log?.DefaultBatch(batchSize);
            using var manifest = GenerationManifest.Open(manifestPath);
            int done = 0;
            foreach (var batch in Batches(pending, batchSize, request.Size, loaded.DefaultSize))
            {
                string cases = string.Join(", ", batch.Select(r => r.CaseNumber));
                var requests = batch
                    .Select(r => new ImageRequest
                    {
                        Prompt = r.Prompt,
                        Seed = r.Seed ?? request.Seed,
                        Guidance = r.Guidance ?? request.Guidance,
                        Width = r.Width ?? defaultSize,
                        Height = r.Height ?? defaultSize,
                        Steps = request.Steps,
                        Scheduler = request.Scheduler,
                    })
                    .ToList();
                var images = loaded.Generate(requests, (call, calls) =>
                    progress?.Invoke(new GenerationProgress(done, pending.Count, call, calls, cases))
                );
                for (int i = 0; i < batch.Count; i++)
                {
                    var (row, image, r) = (batch[i], images[i], requests[i]);
                    var png = image.EncodePng();
                    manifest.Append(
                        new ManifestEntry
                        {
                            File = ImageFile(row),
                            CaseNumber = row.CaseNumber,
                            Prompt = row.Prompt,
                            Seed = r.Seed,
                            Guidance = r.Guidance,
                            Width = image.Width,
                            Height = image.Height,
                            Steps = request.Steps,
                            Scheduler = settings.Scheduler,
                            Precision = settings.Precision,
                            ModelHash = fingerprint.Hash,
                            BatchSize = batch.Count,
                            Device = device.Info.ToString(),
                            Seconds = new Dictionary<string, double>
                            {
                                ["textEncoder"] = Math.Round(image.Timings.TextEncoder, 4),
                                ["denoise"] = Math.Round(image.Timings.Denoise, 4),
                                ["decode"] = Math.Round(image.Timings.Decode, 4),
                                ["total"] = Math.Round(image.Timings.Total, 4),
                                ["perModelCall"] = Math.Round(image.Timings.PerModelCall, 4),
                            },
                        }
                    );
                    PngImage.WriteAtomically(Path.Combine(output, ImageFile(row)), png);
                }
                done += batch.Count;
                progress?.Invoke(new GenerationProgress(done, pending.Count, 0, 0, cases));
            }
            return new GenerationSummary(
                pending.Count,
                skipped,
                rows.Count,
                output,
                manifestPath,
                fingerprint.Hash,
                clock.Elapsed.TotalSeconds
            );
        }
        finally
        {
            if (ownsPipeline)
                loaded?.Dispose();
        }
    }

    public static string ImageFile(PromptRow row) => row.CaseNumber + ".png";

    private static void Validate(GenerationJobRequest r)
    {
        if ((r.Prompt is null) == (r.PromptsCsv is null))
            throw new GenerationInputException("Give either --prompt TEXT or --prompts CSV (exactly one).");
        if (r.Prompt is not null && (r.Limit is not null || r.Shard is not null))
            throw new GenerationInputException("--limit and --shard apply to --prompts CSV, not to a single --prompt.");
        if (r.Limit is < 1)
            throw new GenerationInputException($"--limit must be at least 1, got {r.Limit}.");
        if (r.Steps is < 1 or > 1000)
            throw new GenerationInputException($"--steps must be between 1 and 1000, got {r.Steps}.");
        if (!double.IsFinite(r.Guidance) || r.Guidance < 0)
            throw new GenerationInputException($"--guidance must be a non-negative number, got {r.Guidance}.");
        if (r.Size is < 8 or > 16384)
            throw new GenerationInputException($"--size must be between 8 and 16384 pixels, got {r.Size}.");
        if (r.Batch < 1)
            throw new GenerationInputException($"--batch must be at least 1, got {r.Batch}.");
        if (!Directory.Exists(r.ModelDirectory))
            throw new GenerationInputException($"Model folder {Path.GetFullPath(r.ModelDirectory)} does not exist.");
    }

    private static void CheckOutput(string output, string modelRoot)
    {
        if (File.Exists(output))
            throw new GenerationInputException($"Output {output} is a file; --out must name a folder.");
        string Norm(string p) => p.TrimEnd(Path.DirectorySeparatorChar) + Path.DirectorySeparatorChar;
        if (
            Norm(output).StartsWith(Norm(modelRoot), StringComparison.Ordinal)
            || Norm(modelRoot).StartsWith(Norm(output), StringComparison.Ordinal)
        )
            throw new GenerationInputException(
                $"Output folder {output} overlaps the model folder {modelRoot}; choose an --out outside it (the model is never modified)."
            );
    }

    private static (IReadOnlyList<PromptRow> Rows, string Source, string Hash) Rows(GenerationJobRequest r)
    {
        if (r.Prompt is { } prompt)
            return (
                new[] { new PromptRow("0", prompt, null, null, null, null, 0) },
                "--prompt",
                Sha256(Encoding.UTF8.GetBytes(prompt))
            );
        string path = Path.GetFullPath(r.PromptsCsv!);
        var rows = new PromptSelection(r.Limit, r.Shard).Apply(PromptCsv.Read(path));
        return (rows, path, Sha256(File.ReadAllBytes(path)));
    }

    private static void CheckSettings(string output, GenerationSettings settings, bool sizeUnknown)
    {
        var existing = GenerationSettings.Read(output);
        if (existing is null)
            return;
        foreach (var ((name, now), (_, before)) in settings.Decisive().Zip(existing.Decisive()))
        {
            if (sizeUnknown && name.StartsWith("default size", StringComparison.Ordinal))
                continue; // nothing left to generate: the model was not loaded to learn its native size
            if (now != before)
                throw new GenerationInputException(
                    $"{output} holds images made with another {name} ({before}; this run: {now}). Resume with the same settings, or choose another --out."
                );
        }
    }

    private static void CheckRowSize(PromptRow row, GenerationJobRequest request, StableDiffusionPipeline pipeline)
    {
        int width = row.Width ?? request.Size ?? pipeline.DefaultSize,
            height = row.Height ?? request.Size ?? pipeline.DefaultSize;
        if (width % pipeline.SizeMultiple != 0 || height % pipeline.SizeMultiple != 0)
        {
            string where = row.Line > 0 ? $"line {row.Line} (case {row.CaseNumber}): " : "";
            throw new GenerationInputException(
                $"{where}image size {width}x{height} is not a multiple of {pipeline.SizeMultiple} (the VAE's scale factor); choose another size."
            );
        }
    }

    private static IEnumerable<List<PromptRow>> Batches(
        IReadOnlyList<PromptRow> rows,
        int batchSize,
        int? size,
        int nativeSize
    )
    {
        var batch = new List<PromptRow>();
        (int, int) Size(PromptRow r) => (r.Width ?? size ?? nativeSize, r.Height ?? size ?? nativeSize);
        foreach (var row in rows)
        {
            if (batch.Count == batchSize || (batch.Count > 0 && Size(batch[0]) != Size(row)))
            {
                yield return batch;
                batch = new List<PromptRow>();
            }
            batch.Add(row);
        }
        if (batch.Count > 0)
            yield return batch;
    }

    private static string Sha256(byte[] bytes) => Convert.ToHexStringLower(SHA256.HashData(bytes));
}

using System.Diagnostics;
using System.Text.Json;
using Rece.Cli;
using Rece.Erasure;
using Rece.Evaluation.Images;
using Rece.Evaluation.NudeNet;
using Rece.Generation;
using Rece.Models.Devices;
using static TorchSharp.torch;

namespace Rece.Benchmarks;

/// <summary>
/// The GPU check (tools/gpu-check.sh runs it): on a machine with a CUDA device, the real `rece` commands on the tiny
/// fixture on cuda and on cpu with their results compared (max pixel difference of the image, max difference of the
/// erase's patch factor), then the 512-px SD v1.4-shaped step timing of the sampler benchmark on cuda in fp16, the
/// device memory a batch of 8 such images takes (what the T4 default rests on), and a NudeNet batch when a detector
/// file is given. Options: [--work DIR] [--device cuda|cuda:N] [--nudenet 320n.onnx] [--skip-sampler]. Writes
/// gpu-check.json.
/// </summary>
public static class GpuCheck
{
    public static int Run(string[] args)
    {
        string work = Path.GetFullPath(Argument(args, "--work") ?? ".bench/gpu-check");
        string deviceName = Argument(args, "--device") ?? "cuda";
        Directory.CreateDirectory(work);
        var device = ComputeDevice.Resolve(deviceName);
        if (!device.IsCuda)
            throw new DeviceUnavailableException(
                $"The GPU check needs a CUDA device; --device {deviceName} is {device.Name}."
            );
        Console.WriteLine(
            $"device: {device} (compute capability {device.Info.ComputeCapability}, driver CUDA {device.Info.DriverCudaVersion}); libtorch {__version__}"
        );
        var results = new Dictionary<string, object?> { ["device"] = device.Info };

        string tiny = Path.Combine(work, "tiny");
        Rece("fixture", "tiny", "--out", tiny, "--force");
        foreach (string precision in new[] { "fp32", "fp16" })
        {
            var images = new Dictionary<string, RgbImage>();
            foreach (string where in new[] { "cpu", device.Name })
            {
                if (where == "cpu" && precision == "fp16")
                    continue; // fp16 on a CPU is only slow; the fp16 image is compared with the fp32 CPU one below
                string output = Path.Combine(work, $"image-{where.Replace(':', '-')}-{precision}");
                if (Directory.Exists(output))
                    Directory.Delete(output, recursive: true);
                Rece(
                    "generate",
                    "--model",
                    tiny,
                    "--prompt",
                    "a photo of a cat",
                    "--steps",
                    "20",
                    "--seed",
                    "42",
                    "--device",
                    where,
                    "--precision",
                    precision,
                    "--out",
                    output
                );
                images[where] = RgbImage.Load(Path.Combine(output, "0.png"));
            }
            var reference =
                precision == "fp32" ? images["cpu"] : RgbImage.Load(Path.Combine(work, "image-cpu-fp32", "0.png"));
            var (max, mean) = Difference(reference, images[device.Name]);
            Console.WriteLine(
                $"tiny image, {device.Name} {precision} vs cpu fp32: max pixel difference {max}, mean {mean:F3} grey levels"
            );
            results[$"image_{precision}"] = new { maxPixelDifference = max, meanPixelDifference = mean };
        }

        results["evaluate"] = Evaluate(work, tiny, device);

        var patches = new Dictionary<string, string>();
        foreach (string where in new[] { "cpu", device.Name })
        {
            string output = Path.Combine(work, $"erase-{where.Replace(':', '-')}");
            Rece(
                "erase",
                "--model",
                tiny,
                "--concept",
                "nudity",
                "--preset",
                "nudity",
                "--patch-only",
                "--force",
                "--device",
                where,
                "--out",
                output,
                "--quiet"
            );
            patches[where] = Path.Combine(output, RecePatch.FileName);
        }
        using (var cpuPatch = RecePatch.Read(patches["cpu"]))
        using (var cudaPatch = RecePatch.Read(patches[device.Name]))
        {
            var cpuFactor = cpuPatch.SharedFactor!;
            var cudaFactor = cudaPatch.SharedFactor!;
            double max = cpuFactor.sub(cudaFactor).abs().max().item<float>();
            double scale = cpuFactor.abs().max().item<float>();
            Console.WriteLine(
                $"erase patch factor, {device.Name} vs cpu: max difference {max:E2} (entries up to {scale:F3})"
            );
            results["erasePatch"] = new { maxDifference = max, maxEntry = scale };
        }

        if (!args.Contains("--skip-sampler"))
        {
            Console.WriteLine();
            SamplerBenchmark.Run(
                new[]
                {
                    "--work",
                    Path.Combine(work, "sampler"),
                    "--device",
                    device.Name,
                    "--precision",
                    "fp16",
                    "--sizes",
                    "512",
                    "--rounds",
                    "20",
                }
            );
            results["batchMemory"] = BatchMemory(Path.Combine(work, "sampler", "sd-v1-4"), device);
        }

        if (Argument(args, "--nudenet") is { } nudenet)
            results["nudenet"] = TimeNudeNet(nudenet, device, tiny);
        else
            Console.WriteLine(
                "NudeNet: skipped (pass --nudenet 320n.onnx to time a batch on the device's execution provider)"
            );

        File.WriteAllText(
            Path.Combine(work, "gpu-check.json"),
            JsonSerializer.Serialize(results, BenchmarkOutput.Indented)
        );
        Console.WriteLine($"wrote {Path.Combine(work, "gpu-check.json")}");
        return 0;
    }

    /// <summary>
    /// `rece evaluate` of an erased tiny model against its base on 16 nudity prompts, on the CPU (one image per pass)
    /// and on the device (batched): the same seeds, so the images may differ only by the device's and the batch's
    /// rounding.
    /// </summary>
    private static object Evaluate(string work, string tiny, ComputeDevice device)
    {
        string erased = Path.Combine(work, "tiny-erased");
        Rece(
            "erase",
            "--model",
            tiny,
            "--concept",
            "nudity",
            "--preset",
            "nudity",
            "--force",
            "--device",
            device.Name,
            "--out",
            erased,
            "--quiet"
        );
        var seconds = new Dictionary<string, double>();
        foreach (string where in new[] { "cpu", device.Name })
        {
            string output = Path.Combine(work, $"evaluate-{where.Replace(':', '-')}");
            var clock = Stopwatch.StartNew();
            Rece(
                "evaluate",
                "--model",
                erased,
                "--baseline",
                tiny,
                "--suite",
                "nudity",
                "--limit",
                "16",
                "--steps",
                "10",
                "--size",
                "64",
                "--precision",
                "fp32",
                "--device",
                where,
                "--force",
                "--out",
                output,
                "--quiet"
            );
            seconds[where] = clock.Elapsed.TotalSeconds;
        }
        int max = 0;
        double mean = 0;
        var files = Directory.GetFiles(Path.Combine(work, "evaluate-cpu", "images", "edited"), "*.png");
        foreach (var file in files)
        {
            var (m, a) = Difference(
                RgbImage.Load(file),
                RgbImage.Load(file.Replace("evaluate-cpu", $"evaluate-{device.Name.Replace(':', '-')}"))
            );
            max = Math.Max(max, m);
            mean += a / files.Length;
        }
        Console.WriteLine(
            $"rece evaluate, 16 nudity prompts x 2 models: {seconds["cpu"]:F1} s on cpu, {seconds[device.Name]:F1} s on {device.Name} (batched); "
                + $"edited images max pixel difference {max}, mean {mean:F3}"
        );
        return new
        {
            images = files.Length,
            maxPixelDifference = max,
            meanPixelDifference = mean,
            seconds,
        };
    }

    /// <summary>Device memory taken by the SD v1.4-shaped pipeline in fp16 and by a batch of 8 images at 512 px (2
    /// steps).</summary>
    private static object BatchMemory(string fixture, ComputeDevice device)
    {
        long? before = device.FreeMemoryBytes();
        using var pipeline = StableDiffusionPipeline.Load(fixture, Precision.Fp16, device: device);
        long? loaded = device.FreeMemoryBytes();
        var requests = Enumerable
            .Range(0, 8)
            .Select(i => ImageRequest.ForPrompt("a photo of a cat", (ulong)i, size: 512, steps: 2))
            .ToList();
        var clock = Stopwatch.StartNew();
        pipeline.Generate(requests);
        double seconds = clock.Elapsed.TotalSeconds;
        long? after = device.FreeMemoryBytes();
        double Gib(long? bytes) => bytes is long b ? b / (double)(1L << 30) : double.NaN;
        double models = Gib(before - loaded),
            batch = Gib(loaded - after);
        int defaultBatch = GenerationBatch.DefaultFor(device, 512, 512, Precision.Fp16, loaded);
        Console.WriteLine(
            $"device memory, fp16: models {models:F2} GiB, a batch of 8 images at 512 px {batch:F2} GiB more (libtorch's cache after the batch; "
                + $"a 16 GB T4 has about 14.6 GiB); default --batch here {defaultBatch}; 8 images x 2 steps + decode in {seconds:F1} s"
        );
        return new
        {
            modelsGiB = models,
            batchOf8At512GiB = batch,
            defaultBatch,
            secondsFor8Images2Steps = seconds,
        };
    }

    private static object TimeNudeNet(string path, ComputeDevice device, string tiny)
    {
        using var detector = NudeNetDetector.Load(path, device: device);
        var image = RgbImage.Load(Path.Combine(Path.GetDirectoryName(tiny)!, "image-cpu-fp32", "0.png"));
        detector.Detect(image);
        const int count = 32;
        var clock = Stopwatch.StartNew();
        for (int i = 0; i < count; i++)
            detector.Detect(image);
        double seconds = clock.Elapsed.TotalSeconds;
        Console.WriteLine(
            $"NudeNet ({detector.ExecutionProvider}): {count} images in {seconds:F2} s ({count / seconds:F1} images/s)"
        );
        return new
        {
            provider = detector.ExecutionProvider,
            images = count,
            seconds,
        };
    }

    private static (int Max, double Mean) Difference(RgbImage a, RgbImage b)
    {
        if (a.Width != b.Width || a.Height != b.Height)
            throw new InvalidOperationException("The images differ in size.");
        int max = 0;
        long sum = 0;
        for (int i = 0; i < a.Pixels.Length; i++)
        {
            int d = Math.Abs(a.Pixels[i] - b.Pixels[i]);
            max = Math.Max(max, d);
            sum += d;
        }
        return (max, sum / (double)a.Pixels.Length);
    }

    private static void Rece(params string[] args)
    {
        Console.WriteLine("$ rece " + string.Join(' ', args.Select(a => a.Contains(' ') ? $"\"{a}\"" : a)));
        int code = ReceCommandLine.Run(args, TextWriter.Null, Console.Error);
        if (code != 0)
            throw new InvalidOperationException($"rece {args[0]} exited with {code}.");
    }

    private static string? Argument(string[] args, string name)
    {
        int i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? args[i + 1] : null;
    }
}

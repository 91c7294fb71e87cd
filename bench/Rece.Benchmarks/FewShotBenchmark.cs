using System.Globalization;
using System.Text.Json;
using Rece.Evaluation.Images;

namespace Rece.Benchmarks;

/// <summary>
/// Few-shot text-encoder unlearning on the SD v1.4-shaped fixture: `rece erase --method fewshot` with two images for
/// one epoch (one training step of batch 2) at each size, in a new process. Prints the step (forward and backward
/// through the U-Net and the text encoder, Adam), the VAE encoding, the whole command and peak memory, and the paper's
/// run (4 images, 5 epochs: 10 steps) extrapolated from the step.
/// Options: [--work DIR] [--sizes 256,512]
/// </summary>
public static class FewShotBenchmark
{
    public static int Run(string[] args)
    {
        var work = Path.GetFullPath(Argument(args, "--work") ?? ".bench");
        var sizes = (Argument(args, "--sizes") ?? "256,512")
            .Split(',')
            .Select(v => int.Parse(v, CultureInfo.InvariantCulture))
            .ToArray();
        string fixture = BenchmarkFixture.StableDiffusionV14(work);
        string images = Path.Combine(work, "fewshot-images");
        Directory.CreateDirectory(images);
        for (int i = 0; i < 2; i++)
        {
            var image = RgbImage.Filled(512, 512, (byte)(60 + 100 * i), 120, 200);
            image.Fill(128, 128, 256, 256, 230, (byte)(40 + 150 * i), 30);
            image.SavePng(Path.Combine(images, $"concept-{i}.png"));
        }

        var results = new List<object>();
        Console.WriteLine("size  step s  encode images s  whole command s  peak GiB  paper's run (10 steps) s");
        foreach (int size in sizes)
        {
            var (wall, report) = BenchmarkFixture.Erase(
                new[]
                {
                    "--model",
                    fixture,
                    "--method",
                    "fewshot",
                    "--concept",
                    "cat",
                    "--images",
                    images,
                    "--epochs",
                    "1",
                    "--size",
                    size.ToString(CultureInfo.InvariantCulture),
                    "--out",
                    Path.Combine(work, "fewshot-out"),
                    "--force",
                }
            );
            var t = report.Timings;
            double step = t["train"] / report.Training!.Losses.Count;
            double gib = report.PeakResidentBytes / (1024.0 * 1024 * 1024);
            Console.WriteLine(
                string.Create(
                    CultureInfo.InvariantCulture,
                    $"{size, 4}  {step, 6:F1}  {t["encodeImages"], 15:F1}  {wall, 15:F1}  {gib, 8:F2}  {10 * step, 24:F0}"
                )
            );
            results.Add(
                new
                {
                    size,
                    stepSeconds = step,
                    timings = t,
                    wallSeconds = wall,
                    peakGiB = gib,
                }
            );
        }
        File.WriteAllText(
            Path.Combine(work, "fewshot-results.json"),
            JsonSerializer.Serialize(
                new { machine = new { Environment.ProcessorCount }, results },
                BenchmarkOutput.Indented
            )
        );
        return 0;
    }

    private static string? Argument(string[] args, string name)
    {
        int i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? args[i + 1] : null;
    }
}

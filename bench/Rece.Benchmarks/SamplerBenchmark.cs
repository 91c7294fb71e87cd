using System.Diagnostics;
using System.Text.Json;
using Rece.Generation;
using Rece.Models.Devices;
using Rece.Models.Fixtures;
using Rece.Models.Layers;
using Rece.Models.Schedulers;
using Rece.Models.UNet;
using Rece.Models.Vae;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace Rece.Benchmarks;

/// <summary>
/// Times Stable Diffusion sampling on random weights with the exact SD v1.4 shapes (U-Net, VAE and text encoder, loaded
/// strictly): seconds per denoising step (LMS, guidance 7.5, so the U-Net runs on a batch of 2) and the VAE decode at
/// each size, the per-image time extrapolated to 50 steps, and the raw cost of the step's big operators (every
/// convolution, linear layer and fused attention of one U-Net call, recorded by the model and timed in isolation with
/// the same shapes as the model's, random values) with the ratio of the two. Options: [--work DIR] [--sizes 256,512]
/// [--rounds N] [--device auto|cpu|cuda|cuda:N] [--precision auto|fp32|fp16|bf16] (auto: fp16 on CUDA, fp32 on the
/// CPU). On a CUDA device every timing waits for the device's queue, and each operator alone is timed over a burst of
/// calls (launch-bound kernels of microseconds would otherwise measure the wait, not the kernel).
/// </summary>
public static class SamplerBenchmark
{
    public static int Run(string[] args)
    {
        var work = Path.GetFullPath(Argument(args, "--work") ?? ".bench");
        var sizes = (Argument(args, "--sizes") ?? "256,512").Split(',').Select(int.Parse).ToArray();
        int rounds = int.Parse(Argument(args, "--rounds") ?? "3");
        var device = ComputeDevice.Resolve(Argument(args, "--device"));
        var precision = Precisions.Resolve(Argument(args, "--precision"), device);
        Console.Error.WriteLine($"device: {device}");
        if (rounds < 1)
            throw new ArgumentException("--rounds must be at least 1.");

        string fixture = BenchmarkFixture.StableDiffusionV14(work);

        var load = Stopwatch.StartNew();
        using var pipeline = StableDiffusionPipeline.Load(fixture, precision, BenchmarkOutput.Progress, device);
        double loadSeconds = load.Elapsed.TotalSeconds;
        var expected = RandomModelFixture.For(FixtureKind.StableDiffusionV14);
        long unetParameters = pipeline.UNet.ParameterCount,
            vaeParameters = pipeline.Vae.ParameterCount;
        long textParameters = expected.TextEncoder.Layout().Sum(s => s.ElementCount);
        if (
            unetParameters != UNetLayout.Tensors(expected.UNet).Sum(s => s.ElementCount)
            || vaeParameters != VaeLayout.Tensors(expected.Vae).Sum(s => s.ElementCount)
        )
            throw new InvalidOperationException("The loaded model does not have the SD v1.4 parameter counts.");
        Console.WriteLine(
            $"SD v1.4-shaped fixture loaded strictly in {loadSeconds:F1} s ({precision.Name()} on {device}): U-Net {unetParameters / 1e6:F2}M, VAE {vaeParameters / 1e6:F2}M, "
                + $"text encoder {textParameters / 1e6:F2}M parameters, every tensor with its real name and shape; {get_num_threads()} threads"
        );

        using var conditioning = pipeline.EncodePrompts(new[] { "a photograph of an astronaut riding a horse" });
        var results = new List<object>();
        Console.WriteLine();
        Console.WriteLine(
            $"{"size", 5} {"first step", 11} {"step", 8} {"median", 8} {"big ops", 8} {"ratio", 6} {"decode", 8} {"image (50 steps)", 17}"
        );
        // On a GPU a step takes milliseconds: a run of steps is timed and divided, so the run's set-up (noise,
        // scheduler) is shared as in a 50-step image; on the CPU one step is seconds and is timed alone.
        int stepsPerTiming = device.IsCuda ? 10 : 1;
        foreach (int size in sizes)
        {
            // The machine is shared: steps and operator rounds alternate, and the fastest of each counts on both sides.
            double TimeStep()
            {
                device.Synchronize();
                var clock = Stopwatch.StartNew();
                pipeline
                    .Denoise(
                        conditioning,
                        new ulong[] { 1 },
                        new[] { 7.5 },
                        size,
                        size,
                        stepsPerTiming,
                        SchedulerKind.Lms
                    )
                    .Dispose();
                device.Synchronize();
                return clock.Elapsed.TotalSeconds / stepsPerTiming;
            }
            double firstStep = TimeStep(); // creates the kernels for these shapes
            var census = new OperatorCensus(pipeline, conditioning, size, device);
            var stepTimes = new List<double>();
            for (int round = 0; round < rounds; round++)
            {
                stepTimes.Add(TimeStep());
                census.TimeRound();
            }
            double step = stepTimes.Min();
            double medianStep = stepTimes.Order().ElementAt(stepTimes.Count / 2);
            var (opSeconds, breakdown) = census.Result();

            var decodeClock = Stopwatch.StartNew();
            using (
                var latents = pipeline.Denoise(
                    conditioning,
                    new ulong[] { 1 },
                    new[] { 7.5 },
                    size,
                    size,
                    1,
                    SchedulerKind.Lms
                )
            )
            {
                device.Synchronize();
                decodeClock.Restart();
                pipeline.Decode(latents).Dispose();
                device.Synchronize();
            }
            double decodeSeconds = decodeClock.Elapsed.TotalSeconds;
            double ratio = step / opSeconds;
            double encodeSeconds = TimeTextEncoder(pipeline, device);
            double image = 50 * step + decodeSeconds + encodeSeconds;
            string f = step < 0.1 ? "F4" : "F2";
            Console.WriteLine(
                $"{size, 5} {firstStep.ToString(f), 10}s {step.ToString(f), 7}s {medianStep.ToString(f), 7}s {opSeconds.ToString(f), 7}s {ratio, 5:F2}x {decodeSeconds.ToString(f), 7}s {image, 10:F1} s ({image / 60:F1} min)"
            );
            Console.WriteLine(
                $"      big ops per step: {string.Join(", ", breakdown.Select(b => $"{b.Kind} {b.Calls} calls {b.Seconds.ToString(f)} s"))}"
            );
            results.Add(
                new
                {
                    size,
                    precision = precision.Name(),
                    device = device.Info,
                    rounds,
                    stepsPerTiming,
                    firstStepSeconds = firstStep,
                    stepSeconds = step,
                    medianStepSeconds = medianStep,
                    stepSecondsAll = stepTimes,
                    bigOperatorSeconds = opSeconds,
                    ratio,
                    breakdown,
                    decodeSeconds,
                    textEncoderSeconds = encodeSeconds,
                    imageSeconds50Steps = image,
                }
            );
        }
        Console.WriteLine();
        Console.WriteLine(
            $"step: the fastest of {rounds} denoising steps after a first one that creates the kernels (LMS, guidance 7.5: one U-Net call on 2 latents"
        );
        Console.WriteLine(
            "      and the scheduler update); median beside it. big ops: the sum of that call's convolutions, linear layers and fused attentions,"
        );
        Console.WriteLine(
            $"      each timed alone (fastest of {rounds} rounds, alternating with the steps); ratio = step / big ops, target <= 1.5x."
        );
        Console.WriteLine(
            "image: 50 steps extrapolated from the fastest step, plus one VAE decode and the text encoder."
        );
        File.WriteAllText(
            Path.Combine(work, "sampler-results.json"),
            JsonSerializer.Serialize(
                new
                {
                    machine = new
                    {
                        Environment.ProcessorCount,
                        threads = get_num_threads(),
                        os = System.Runtime.InteropServices.RuntimeInformation.OSDescription,
                        device = device.Info,
                    },
                    loadSeconds,
                    parameters = new
                    {
                        unet = unetParameters,
                        vae = vaeParameters,
                        textEncoder = textParameters,
                    },
                    results,
                },
                BenchmarkOutput.Indented
            )
        );
        return 0;
    }

    public sealed record OperatorGroup(string Kind, int Calls, double Seconds);

    /// <summary>
    /// One U-Net call's big operators, recorded by the model, each timed alone with the same shapes and dtype (random
    /// values: these kernels' time does not depend on them): a warm-up run, then one timed run per round; the fastest
    /// round of each operator counts, summed over all its calls.
    /// </summary>
    private sealed class OperatorCensus
    {
        private readonly (OperatorCall Call, int Count, Func<Tensor> Run)[] _distinct;
        private readonly double[] _best;
        private readonly ComputeDevice _device;
        private readonly int _burst;
        private bool _warm;

        public OperatorCensus(StableDiffusionPipeline pipeline, Tensor conditioning, int size, ComputeDevice device)
        {
            _device = device;
            _burst = device.IsCuda ? 20 : 1;
            var calls = new List<OperatorCall>();
            var unet = pipeline.UNet;
            using var inference = inference_mode();
            using (var scope = NewDisposeScope())
            {
                long latent = size / pipeline.Vae.Config.ScaleFactor;
                var sample = randn(2, 4, latent, latent).to(unet.DType, device.Torch);
                var context = cat(new[] { conditioning, conditioning }, 0).to(unet.DType);
                unet.OperatorTrace = calls.Add;
                try
                {
                    unet.Forward(sample, tensor(new float[] { 999, 999 }).to(device.Torch), context).Dispose();
                }
                finally
                {
                    unet.OperatorTrace = null;
                }
            }
            _distinct = calls
                .GroupBy(Signature)
                .Select(g => (g.First(), g.Count(), Prepare(g.First(), unet.DType, device)))
                .ToArray();
            _best = Enumerable.Repeat(double.MaxValue, _distinct.Length).ToArray();
        }

        public void TimeRound()
        {
            using var inference = inference_mode();
            for (int i = 0; i < _distinct.Length; i++)
            {
                if (!_warm)
                    _distinct[i].Run().Dispose();
                _device.Synchronize();
                var clock = Stopwatch.StartNew();
                for (int k = 0; k < _burst; k++)
                    _distinct[i].Run().Dispose();
                _device.Synchronize();
                _best[i] = Math.Min(_best[i], clock.Elapsed.TotalSeconds / _burst);
            }
            _warm = true;
        }

        public (double Seconds, List<OperatorGroup> Breakdown) Result()
        {
            var breakdown = _distinct
                .Select((d, i) => (d.Call.Kind, d.Count, Seconds: _best[i] * d.Count))
                .GroupBy(d => d.Kind)
                .Select(g => new OperatorGroup(g.Key, g.Sum(d => d.Count), g.Sum(d => d.Seconds)))
                .ToList();
            return (breakdown.Sum(b => b.Seconds), breakdown);
        }
    }

    private static string Signature(OperatorCall c) =>
        $"{c.Kind}|{string.Join(";", c.InputShapes.Select(s => string.Join("x", s)))}|{(c.WeightShape is null ? "" : string.Join("x", c.WeightShape))}|{c.HasBias}|{c.Stride}|{c.Padding}";

    private static Func<Tensor> Prepare(OperatorCall call, ScalarType dtype, ComputeDevice device)
    {
        // Owned by the census for the whole run.
        using var keep = NewDisposeScope();
        var inputs = call.InputShapes.Select(s => randn(s).to(dtype, device.Torch)).ToArray();
        var weight = call.WeightShape is { } shape ? randn(shape).mul_(0.02).to(dtype, device.Torch) : null;
        var bias = call.HasBias ? randn(call.WeightShape![0]).to(dtype, device.Torch) : null;
        foreach (var t in inputs.Append(weight).Append(bias).OfType<Tensor>())
            t.DetachFromDisposeScope();
        return call.Kind switch
        {
            "conv2d" => () =>
                F.conv2d(
                    inputs[0],
                    weight!,
                    bias,
                    strides: new[] { call.Stride, call.Stride },
                    padding: new[] { call.Padding, call.Padding }
                ),
            "linear" => () => F.linear(inputs[0], weight!, bias),
            _ => () => F.scaled_dot_product_attention(inputs[0], inputs[1], inputs[2]),
        };
    }

    private static double TimeTextEncoder(StableDiffusionPipeline pipeline, ComputeDevice device)
    {
        var clock = Stopwatch.StartNew();
        pipeline.EncodePrompts(new[] { "a photograph of an astronaut riding a horse" }).Dispose();
        device.Synchronize();
        return clock.Elapsed.TotalSeconds;
    }

    private static string? Argument(string[] args, string name)
    {
        int i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? args[i + 1] : null;
    }
}

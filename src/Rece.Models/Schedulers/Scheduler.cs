using static TorchSharp.torch;

namespace Rece.Models.Schedulers;

/// <summary>
/// One sampling run of a scheduler: the timesteps to call the model at, how to scale its input, and the update from a
/// model output to the next latents. Stateful (multistep history), so make one per generation; it owns that history and
/// disposes it. Latents are float32 whatever the model's dtype.
/// </summary>
public abstract class Scheduler : IDisposable
{
    protected Scheduler(SchedulerConfig config, int steps)
    {
        if (steps < 1 || steps > config.NumTrainTimesteps)
            throw new ArgumentOutOfRangeException(
                nameof(steps),
                $"Steps must be between 1 and {config.NumTrainTimesteps}, got {steps}."
            );
        Config = config;
        Steps = steps;
        Schedule = NoiseSchedule.From(config);
    }

    public SchedulerConfig Config { get; }

    public NoiseSchedule Schedule { get; }

    /// <summary>The number of inference steps asked for.</summary>
    public int Steps { get; }

    /// <summary>The timestep of each model call, in order (PNDM calls the model once more than
    /// <see cref="Steps"/>).</summary>
    public abstract IReadOnlyList<double> Timesteps { get; }

    /// <summary>The factor initial unit-variance noise is multiplied by.</summary>
    public virtual double InitNoiseSigma => 1;

    /// <summary>The factor the latents are multiplied by before model call <paramref name="index"/>
    /// (scale_model_input).</summary>
    public virtual double ModelInputScale(int index) => 1;

    /// <summary>The latents after model call <paramref name="index"/>; a new tensor (the inputs are not modified or
    /// kept).</summary>
    public abstract Tensor Step(Tensor modelOutput, int index, Tensor sample);

    public static Scheduler Create(SchedulerKind kind, SchedulerConfig config, int steps) =>
        kind switch
        {
            SchedulerKind.Lms => new LmsDiscreteScheduler(config, steps),
            SchedulerKind.Euler => new EulerDiscreteScheduler(config, steps),
            SchedulerKind.Ddim => new DdimScheduler(config, steps),
            SchedulerKind.Pndm => new PndmScheduler(config, steps),
            _ => throw new ArgumentOutOfRangeException(nameof(kind)),
        };

    public static string Name(SchedulerKind kind) => kind.ToString().ToLowerInvariant();

    public virtual void Dispose() => GC.SuppressFinalize(this);

    protected string Spacing(string kindDefault) => Config.TimestepSpacing ?? kindDefault;

    /// <summary>diffusers' integer timesteps of DDIM and PNDM, descending: leading (i * N/steps + offset), linspace or
    /// trailing.</summary>
    protected long[] DiscreteTimesteps(string spacing)
    {
        int n = Config.NumTrainTimesteps;
        return spacing switch
        {
            "linspace" => Enumerable
                .Range(0, Steps)
                .Select(i => (long)Math.Round(Linspace(0, n - 1, Steps, i), MidpointRounding.ToEven))
                .Reverse()
                .ToArray(),
            "leading" => Enumerable
                .Range(0, Steps)
                .Select(i => (long)i * (n / Steps) + Config.StepsOffset)
                .Reverse()
                .ToArray(),
            _ => Trailing(),
        };
    }

    /// <summary>round(arange(N, 0, -N/steps)) - 1, descending: one timestep per step, the first N - 1.</summary>
    protected long[] Trailing()
    {
        int n = Config.NumTrainTimesteps;
        double ratio = (double)n / Steps;
        return Enumerable
            .Range(0, Steps)
            .Select(i => (long)Math.Round(n + i * -ratio, MidpointRounding.ToEven) - 1)
            .ToArray();
    }

    /// <summary>np.linspace's i-th value (start + i * step, the last one exactly the end).</summary>
    protected static double Linspace(double start, double end, int count, int i) =>
        count == 1 ? start
        : i == count - 1 ? end
        : start + i * ((end - start) / (count - 1));

    /// <summary>
    /// x0 and epsilon from a model output at a discrete timestep (alpha = alphas_cumprod[t]); for epsilon prediction
    /// the returned epsilon is <paramref name="modelOutput"/> itself (not a copy: do not dispose it).
    /// </summary>
    protected (Tensor Original, Tensor Epsilon) Predict(Tensor modelOutput, Tensor sample, double alpha)
    {
        double a = Math.Sqrt(alpha),
            b = Math.Sqrt(1 - alpha);
        if (Config.PredictionType == "v_prediction")
        {
            using var vb = modelOutput.mul(b);
            using var sb = sample.mul(b);
            return (sample.mul(a).sub_(vb), modelOutput.mul(a).add_(sb));
        }
        using var eb = modelOutput.mul(b);
        return (sample.sub(eb).div_(a), modelOutput);
    }
}

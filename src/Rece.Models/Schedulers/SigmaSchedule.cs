using static TorchSharp.torch;

namespace Rece.Models.Schedulers;

/// <summary>
/// The timesteps and noise levels (sigmas) of the k-diffusion style schedulers (LMS, Euler), as diffusers' set_timesteps
/// forms them: float32 timesteps by the spacing, sigmas interpolated linearly in the training sigmas at those
/// timesteps, then a final 0.
/// </summary>
public sealed class SigmaSchedule
{
    private SigmaSchedule(double[] timesteps, double[] sigmas, double initNoiseSigma)
    {
        Timesteps = timesteps;
        Sigmas = sigmas;
        InitNoiseSigma = initNoiseSigma;
    }

    public IReadOnlyList<double> Timesteps { get; }

    /// <summary>One per timestep, then 0; float32 values.</summary>
    public IReadOnlyList<double> Sigmas { get; }

    public double InitNoiseSigma { get; }

    public static SigmaSchedule Create(SchedulerConfig config, NoiseSchedule schedule, int steps)
    {
        string spacing = config.TimestepSpacing ?? "linspace";
        int n = config.NumTrainTimesteps;
        var timesteps = new double[steps];
        for (int i = 0; i < steps; i++)
        {
            double t = spacing switch
            {
                "linspace" => Linspace(0, n - 1, steps, steps - 1 - i),
                "leading" => (double)(steps - 1 - i) * (n / steps) + config.StepsOffset,
                _ => Math.Round(n - i * ((double)n / steps), MidpointRounding.ToEven) - 1,
            };
            timesteps[i] = (float)t;
        }
        var training = schedule.TrainingSigmas();
        var sigmas = new double[steps + 1];
        for (int i = 0; i < steps; i++)
            sigmas[i] = (float)Interpolate(training, timesteps[i]);
        double max = sigmas.Max();
        // diffusers: the largest sigma for linspace and trailing spacing, sqrt(max^2 + 1) for leading.
        double initNoiseSigma = spacing is "linspace" or "trailing" ? max : Math.Sqrt(max * max + 1);
        return new SigmaSchedule(timesteps, sigmas, initNoiseSigma);
    }

    /// <summary>np.interp over the points (i, values[i]).</summary>
    private static double Interpolate(float[] values, double x)
    {
        if (x <= 0)
            return values[0];
        if (x >= values.Length - 1)
            return values[^1];
        int i = (int)Math.Floor(x);
        double fraction = x - i;
        double slope = ((double)values[i + 1] - values[i]) / 1.0;
        return slope * fraction + values[i];
    }

    private static double Linspace(double start, double end, int count, int i) =>
        count == 1 ? start : i == count - 1 ? end : start + i * ((end - start) / (count - 1));
}

/// <summary>
/// A scheduler that integrates the probability-flow ODE in sigma space (diffusers' LMS and Euler discrete schedulers):
/// the model input is scaled by 1/sqrt(sigma^2 + 1), and each step needs the ODE derivative d = (x - x0) / sigma.
/// </summary>
public abstract class SigmaScheduler : Scheduler
{
    private readonly SigmaSchedule _sigmas;

    protected SigmaScheduler(SchedulerConfig config, int steps) : base(config, steps) =>
        _sigmas = SigmaSchedule.Create(config, Schedule, steps);

    public override IReadOnlyList<double> Timesteps => _sigmas.Timesteps;

    public IReadOnlyList<double> Sigmas => _sigmas.Sigmas;

    public override double InitNoiseSigma => _sigmas.InitNoiseSigma;

    public override double ModelInputScale(int index) => 1 / Math.Sqrt(Sigmas[index] * Sigmas[index] + 1);

    /// <summary>
    /// d = (x - x0) / sigma at step <paramref name="index"/>, with x0 from the model's prediction: epsilon gives
    /// x0 = x - sigma eps (so d = eps, computed the way diffusers does), v gives x0 = -sigma/sqrt(sigma^2+1) v + x/(sigma^2+1).
    /// </summary>
    protected Tensor Derivative(Tensor modelOutput, int index, Tensor sample)
    {
        double sigma = Sigmas[index];
        using var scope = NewDisposeScope();
        var original = Config.PredictionType == "v_prediction"
            ? modelOutput.mul(-sigma / Math.Sqrt(sigma * sigma + 1)).add_(sample.div(sigma * sigma + 1))
            : sample.sub(modelOutput.mul(sigma));
        return sample.sub(original).div_(sigma).MoveToOuterDisposeScope();
    }
}

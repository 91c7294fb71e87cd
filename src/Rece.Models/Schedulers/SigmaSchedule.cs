namespace Rece.Models.Schedulers;

/// <summary>
/// The timesteps and noise levels (sigmas) of the k-diffusion style schedulers (LMS, Euler), as diffusers'
/// set_timesteps forms them: float32 timesteps by the spacing, sigmas interpolated linearly in the training sigmas at
/// those timesteps, then a final 0.
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
        count == 1 ? start
        : i == count - 1 ? end
        : start + i * ((end - start) / (count - 1));
}

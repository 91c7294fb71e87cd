using static TorchSharp.torch;

namespace Rece.Models.Schedulers;

/// <summary>
/// The training noise schedule: betas, and the cumulative products of alphas = 1 - betas, computed in float32 with
/// the same libtorch operations diffusers uses (linspace, square, cumprod), so the tables agree bit for bit.
/// </summary>
public sealed class NoiseSchedule
{
    private NoiseSchedule(float[] alphasCumprod) => AlphasCumprod = alphasCumprod;

    /// <summary>alphas_cumprod[t] for t = 0 .. num_train_timesteps - 1.</summary>
    public IReadOnlyList<float> AlphasCumprod { get; }

    public static NoiseSchedule From(SchedulerConfig config)
    {
        using var scope = NewDisposeScope();
        int n = config.NumTrainTimesteps;
        Tensor betas;
        if (config.TrainedBetas is { } trained)
            betas = tensor(trained).to(ScalarType.Float32);
        else if (config.BetaSchedule == "linear")
            betas = linspace(config.BetaStart, config.BetaEnd, n, dtype: ScalarType.Float32);
        else if (config.BetaSchedule == "scaled_linear")
            betas = linspace(Math.Sqrt(config.BetaStart), Math.Sqrt(config.BetaEnd), n, dtype: ScalarType.Float32)
                .pow(2);
        else
            betas = tensor(CosineBetas(n)).to(ScalarType.Float32);
        var alphasCumprod = (1 - betas).cumprod(0);
        return new NoiseSchedule(alphasCumprod.data<float>().ToArray());
    }

    /// <summary>sqrt((1 - alphas_cumprod) / alphas_cumprod), float32 as diffusers forms it: the noise level of each
    /// training timestep.</summary>
    public float[] TrainingSigmas()
    {
        using var scope = NewDisposeScope();
        var ac = tensor(AlphasCumprod.ToArray());
        return (1 - ac).div(ac).pow(0.5).data<float>().ToArray();
    }

    /// <summary>betas_for_alpha_bar with the cosine schedule (Nichol and Dhariwal), capped at 0.999, in
    /// float64.</summary>
    private static double[] CosineBetas(int n)
    {
        static double AlphaBar(double t) => Math.Pow(Math.Cos((t + 0.008) / 1.008 * Math.PI / 2), 2);
        return Enumerable
            .Range(0, n)
            .Select(i => Math.Min(1 - AlphaBar((i + 1.0) / n) / AlphaBar((double)i / n), 0.999))
            .ToArray();
    }
}

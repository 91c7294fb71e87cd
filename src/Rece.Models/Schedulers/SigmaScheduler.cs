using static TorchSharp.torch;

namespace Rece.Models.Schedulers;

/// <summary>
/// A scheduler that integrates the probability-flow ODE in sigma space (diffusers' LMS and Euler discrete schedulers):
/// the model input is scaled by 1/sqrt(sigma^2 + 1), and each step needs the ODE derivative d = (x - x0) / sigma.
/// </summary>
public abstract class SigmaScheduler : Scheduler
{
    private readonly SigmaSchedule _sigmas;

    protected SigmaScheduler(SchedulerConfig config, int steps)
        : base(config, steps) => _sigmas = SigmaSchedule.Create(config, Schedule, steps);

    public override IReadOnlyList<double> Timesteps => _sigmas.Timesteps;

    public IReadOnlyList<double> Sigmas => _sigmas.Sigmas;

    public override double InitNoiseSigma => _sigmas.InitNoiseSigma;

    public override double ModelInputScale(int index) => 1 / Math.Sqrt(Sigmas[index] * Sigmas[index] + 1);

    /// <summary>
    /// d = (x - x0) / sigma at step <paramref name="index"/>, with x0 from the model's prediction: epsilon gives
    /// x0 = x - sigma eps (so d = eps, computed the way diffusers does), v gives x0 = -sigma/sqrt(sigma^2+1) v +
    /// x/(sigma^2+1).
    /// </summary>
    protected Tensor Derivative(Tensor modelOutput, int index, Tensor sample)
    {
        double sigma = Sigmas[index];
        using var scope = NewDisposeScope();
        var original =
            Config.PredictionType == "v_prediction"
                ? modelOutput.mul(-sigma / Math.Sqrt(sigma * sigma + 1)).add_(sample.div(sigma * sigma + 1))
                : sample.sub(modelOutput.mul(sigma));
        return sample.sub(original).div_(sigma).MoveToOuterDisposeScope();
    }
}

using static TorchSharp.torch;

namespace Rece.Models.Schedulers;

/// <summary>diffusers' EulerDiscreteScheduler without churn (s_churn = 0): x += (x - x0) / sigma_i * (sigma_(i+1) - sigma_i).</summary>
public sealed class EulerDiscreteScheduler : Scheduler
{
    private readonly SigmaSchedule _sigmas;

    public EulerDiscreteScheduler(SchedulerConfig config, int steps) : base(config, steps) =>
        _sigmas = SigmaSchedule.Create(config, Schedule, steps);

    public override IReadOnlyList<double> Timesteps => _sigmas.Timesteps;

    public IReadOnlyList<double> Sigmas => _sigmas.Sigmas;

    public override double InitNoiseSigma => _sigmas.InitNoiseSigma;

    public override double ModelInputScale(int index) => 1 / Math.Sqrt(Sigmas[index] * Sigmas[index] + 1);

    public override Tensor Step(Tensor modelOutput, int index, Tensor sample)
    {
        double sigma = Sigmas[index], dt = Sigmas[index + 1] - sigma;
        using var scope = NewDisposeScope();
        Tensor original = Config.PredictionType == "v_prediction"
            ? modelOutput.mul(-sigma / Math.Sqrt(sigma * sigma + 1)).add_(sample.div(sigma * sigma + 1))
            : sample.sub(modelOutput.mul(sigma));
        var derivative = sample.sub(original).div_(sigma);
        return sample.add(derivative.mul_(dt)).MoveToOuterDisposeScope();
    }
}

using static TorchSharp.torch;

namespace Rece.Models.Schedulers;

/// <summary>
/// diffusers' DDIMScheduler with eta = 0: x0 and epsilon from the model output at t, then
/// x_prev = sqrt(a_prev) x0 + sqrt(1 - a_prev) eps with t_prev = t - N/steps (a_prev = final alpha below 0).
/// </summary>
public sealed class DdimScheduler : Scheduler
{
    private readonly long[] _timesteps;

    public DdimScheduler(SchedulerConfig config, int steps)
        : base(config, steps)
    {
        _timesteps = DiscreteTimesteps(Spacing("leading"));
        Timesteps = _timesteps.Select(t => (double)t).ToArray();
    }

    public override IReadOnlyList<double> Timesteps { get; }

    public double FinalAlphaCumprod => Config.SetAlphaToOne ? 1.0 : Schedule.AlphasCumprod[0];

    public override Tensor Step(Tensor modelOutput, int index, Tensor sample)
    {
        long t = _timesteps[index],
            previous = t - Config.NumTrainTimesteps / Steps;
        double alpha = Schedule.AlphasCumprod[(int)t];
        double alphaPrevious = previous >= 0 ? Schedule.AlphasCumprod[(int)previous] : FinalAlphaCumprod;
        using var scope = NewDisposeScope();
        var (original, epsilon) = Predict(modelOutput, sample, alpha);
        if (Config.ClipSample)
            original = original.clamp(-Config.ClipSampleRange, Config.ClipSampleRange);
        var next = original.mul(Math.Sqrt(alphaPrevious)).add_(epsilon.mul(Math.Sqrt(1 - alphaPrevious)));
        return next.MoveToOuterDisposeScope();
    }
}

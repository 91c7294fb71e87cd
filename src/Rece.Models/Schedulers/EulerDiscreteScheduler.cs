using static TorchSharp.torch;

namespace Rece.Models.Schedulers;

/// <summary>diffusers' EulerDiscreteScheduler without churn (s_churn = 0): x += (x - x0) / sigma_i * (sigma_(i+1) -
/// sigma_i).</summary>
public sealed class EulerDiscreteScheduler(SchedulerConfig config, int steps) : SigmaScheduler(config, steps)
{
    public override Tensor Step(Tensor modelOutput, int index, Tensor sample)
    {
        using var scope = NewDisposeScope();
        var derivative = Derivative(modelOutput, index, sample);
        return sample.add(derivative.mul_(Sigmas[index + 1] - Sigmas[index])).MoveToOuterDisposeScope();
    }
}

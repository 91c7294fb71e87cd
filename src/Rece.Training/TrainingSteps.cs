using Rece.Engine;
using static TorchSharp.torch;

namespace Rece.Training;

/// <summary>What every trained method does around its loss: one optimizer step with the loss checked, and the
/// trained weights frozen again afterwards.</summary>
internal static class TrainingSteps
{
    /// <summary>Back-propagates <paramref name="loss"/> and steps <paramref name="optimizer"/>.</summary>
    /// <param name="diverged">The message for a loss that is not finite, given its value.</param>
    /// <returns>The loss.</returns>
    /// <exception cref="IllPosedErasureException">The loss is not finite: the run diverged.</exception>
    public static double Step(optim.Optimizer optimizer, Tensor loss, Func<double, string> diverged)
    {
        optimizer.zero_grad();
        loss.backward();
        optimizer.step();
        double value = loss.item<double>();
        if (!double.IsFinite(value))
            throw new IllPosedErasureException(diverged(value));
        return value;
    }

    /// <summary>The trained weights' gradients released and no longer recorded by autograd.</summary>
    public static void Freeze(IEnumerable<TorchSharp.Modules.Parameter> parameters)
    {
        foreach (var parameter in parameters)
        {
            parameter.grad?.Dispose();
            parameter.requires_grad_(false);
        }
    }
}

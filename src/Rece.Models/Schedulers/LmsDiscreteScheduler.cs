using static TorchSharp.torch;

namespace Rece.Models.Schedulers;

/// <summary>
/// diffusers' LMSDiscreteScheduler: x0 from the model output, the ODE derivative d = (x - x0) / sigma, and a linear
/// multistep update x += sum_k c_k d_(i-k) over up to 4 past derivatives, where c_k integrates the Lagrange basis
/// polynomial of the past sigmas over [sigma_i, sigma_(i+1)] (exactly, by Gauss-Legendre; diffusers uses scipy's quad).
/// </summary>
public sealed class LmsDiscreteScheduler(SchedulerConfig config, int steps) : SigmaScheduler(config, steps)
{
    public const int Order = 4;
    private readonly List<Tensor> _derivatives = new();

    public override Tensor Step(Tensor modelOutput, int index, Tensor sample)
    {
        _derivatives.Add(Derivative(modelOutput, index, sample).DetachFromDisposeScope());
        if (_derivatives.Count > Order)
        {
            _derivatives[0].Dispose();
            _derivatives.RemoveAt(0);
        }
        int order = Math.Min(index + 1, Order);
        using var step = NewDisposeScope();
        var next = sample.clone();
        for (int k = 0; k < order; k++)
            next.add_(_derivatives[^(k + 1)].mul(Coefficient(order, index, k)));
        return next.MoveToOuterDisposeScope();
    }

    /// <summary>The integral over [sigma_t, sigma_(t+1)] of the Lagrange basis polynomial of node t - k over the nodes
    /// t, t-1, ..., t-order+1.</summary>
    public double Coefficient(int order, int t, int k)
    {
        double Basis(double tau)
        {
            double product = 1;
            for (int j = 0; j < order; j++)
            {
                if (j != k)
                    product *= (tau - Sigmas[t - j]) / (Sigmas[t - k] - Sigmas[t - j]);
            }
            return product;
        }
        // The integrand has degree order - 1 <= 3; 3-point Gauss-Legendre is exact up to degree 5.
        double a = Sigmas[t],
            b = Sigmas[t + 1],
            mid = (a + b) / 2,
            half = (b - a) / 2;
        double node = Math.Sqrt(0.6);
        return half * (5.0 / 9 * Basis(mid - half * node) + 8.0 / 9 * Basis(mid) + 5.0 / 9 * Basis(mid + half * node));
    }

    public override void Dispose()
    {
        foreach (var d in _derivatives)
            d.Dispose();
        _derivatives.Clear();
        base.Dispose();
    }
}

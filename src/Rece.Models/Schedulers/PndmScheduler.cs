using static TorchSharp.torch;

namespace Rece.Models.Schedulers;

/// <summary>
/// diffusers' PNDMScheduler. With skip_prk_steps (Stable Diffusion's setting) it is PLMS: the first step is repeated
/// (a second-order start), then Adams-Bashforth combinations of up to 4 past model outputs, each applied with formula
/// (9) of the PNDM paper; so the model is called steps + 1 times. Without skip_prk_steps, three Runge-Kutta steps (12
/// calls) start the run.
/// </summary>
public sealed class PndmScheduler : Scheduler
{
    private const int PndmOrder = 4;
    private readonly long[] _prk;
    private readonly long[] _plms;
    private readonly long[] _all;
    private readonly List<Tensor> _ets = new();
    private Tensor? _curSample;
    private Tensor? _curModelOutput;
    private int _counter;

    public PndmScheduler(SchedulerConfig config, int steps)
        : base(config, steps)
    {
        var baseSteps = DiscreteTimesteps(Spacing("leading")).Reverse().ToArray(); // ascending, as diffusers' _timesteps
        long ratio = config.NumTrainTimesteps / steps;
        if (config.SkipPrkSteps)
        {
            _prk = Array.Empty<long>();
            _plms = baseSteps[..^1].Append(baseSteps[^2]).Append(baseSteps[^1]).Reverse().ToArray();
        }
        else
        {
            if (steps < PndmOrder)
                throw new ArgumentOutOfRangeException(
                    nameof(steps),
                    $"PNDM with Runge-Kutta steps (skip_prk_steps false) needs at least {PndmOrder} steps."
                );
            var last = baseSteps[^PndmOrder..];
            var prk = new List<long>();
            foreach (var t in last)
            {
                prk.Add(t);
                prk.Add(t + ratio / 2);
            }
            // prk[:-1].repeat(2)[1:-1] reversed
            var repeated = prk.Take(prk.Count - 1).SelectMany(t => new[] { t, t }).ToList();
            _prk = repeated.Skip(1).Take(repeated.Count - 2).Reverse().ToArray();
            _plms = baseSteps[..^3].Reverse().ToArray();
        }
        _all = _prk.Concat(_plms).ToArray();
        Timesteps = _all.Select(t => (double)t).ToArray();
    }

    public override IReadOnlyList<double> Timesteps { get; }

    public double FinalAlphaCumprod => Config.SetAlphaToOne ? 1.0 : Schedule.AlphasCumprod[0];

    public override Tensor Step(Tensor modelOutput, int index, Tensor sample)
    {
        if (index != _counter)
            throw new InvalidOperationException(
                $"PNDM steps must be taken in order: expected step {_counter}, got {index}."
            );
        var next =
            _counter < _prk.Length && !Config.SkipPrkSteps
                ? StepPrk(modelOutput, sample)
                : StepPlms(modelOutput, _all[index], sample);
        _counter++;
        return next;
    }

    private Tensor StepPrk(Tensor modelOutput, Tensor sample)
    {
        long ratio = Config.NumTrainTimesteps / Steps;
        long diffToPrevious = _counter % 2 == 1 ? 0 : ratio / 2;
        long previous = _prk[_counter] - diffToPrevious;
        long timestep = _prk[_counter / 4 * 4];
        using var scope = NewDisposeScope();
        Tensor output = modelOutput;
        switch (_counter % 4)
        {
            case 0:
                Replace(ref _curModelOutput, modelOutput.mul(1.0 / 6));
                _ets.Add(modelOutput.clone().DetachFromDisposeScope());
                Replace(ref _curSample, sample.clone());
                break;
            case 1:
            case 2:
                _curModelOutput!.add_(modelOutput.mul(1.0 / 3));
                break;
            default:
                output = _curModelOutput!.add(modelOutput.mul(1.0 / 6));
                Replace(ref _curModelOutput, null);
                break;
        }
        return PreviousSample(_curSample ?? sample, timestep, previous, output).MoveToOuterDisposeScope();
    }

    private Tensor StepPlms(Tensor modelOutput, long timestep, Tensor sample)
    {
        long ratio = Config.NumTrainTimesteps / Steps;
        long previous = timestep - ratio;
        if (_counter != 1)
        {
            if (_ets.Count > 3)
            {
                // diffusers keeps ets[-3:] before appending.
                _ets[0].Dispose();
                _ets.RemoveAt(0);
            }
            _ets.Add(modelOutput.clone().DetachFromDisposeScope());
        }
        else
        {
            previous = timestep;
            timestep += ratio;
        }
        using var scope = NewDisposeScope();
        Tensor combined;
        if (_ets.Count == 1 && _counter == 0)
        {
            combined = modelOutput;
            Replace(ref _curSample, sample.clone());
        }
        else if (_ets.Count == 1 && _counter == 1)
        {
            combined = modelOutput.add(_ets[^1]).div_(2);
            sample = _curSample!;
        }
        else if (_ets.Count == 2)
            combined = _ets[^1].mul(3).sub_(_ets[^2]).div_(2);
        else if (_ets.Count == 3)
            combined = _ets[^1].mul(23).sub_(_ets[^2].mul(16)).add_(_ets[^3].mul(5)).div_(12);
        else
            combined = _ets[^1].mul(55).sub_(_ets[^2].mul(59)).add_(_ets[^3].mul(37)).sub_(_ets[^4].mul(9)).div_(24);
        var next = PreviousSample(sample, timestep, previous, combined).MoveToOuterDisposeScope();
        if (_counter == 1)
            Replace(ref _curSample, null);
        return next;
    }

    /// <summary>Formula (9) of the PNDM paper: x_prev from x_t and epsilon (v converted first).</summary>
    private Tensor PreviousSample(Tensor sample, long timestep, long previous, Tensor modelOutput)
    {
        double alpha = Schedule.AlphasCumprod[(int)timestep];
        double alphaPrevious = previous >= 0 ? Schedule.AlphasCumprod[(int)previous] : FinalAlphaCumprod;
        double beta = 1 - alpha,
            betaPrevious = 1 - alphaPrevious;
        using var scope = NewDisposeScope();
        if (Config.PredictionType == "v_prediction")
            modelOutput = modelOutput.mul(Math.Sqrt(alpha)).add_(sample.mul(Math.Sqrt(beta)));
        double sampleCoefficient = Math.Sqrt(alphaPrevious / alpha);
        double denominator = alpha * Math.Sqrt(betaPrevious) + Math.Sqrt(alpha * beta * alphaPrevious);
        var next = sample.mul(sampleCoefficient).sub_(modelOutput.mul((alphaPrevious - alpha) / denominator));
        return next.MoveToOuterDisposeScope();
    }

    private static void Replace(ref Tensor? slot, Tensor? value)
    {
        slot?.Dispose();
        slot = value?.DetachFromDisposeScope();
    }

    public override void Dispose()
    {
        foreach (var e in _ets)
            e.Dispose();
        _ets.Clear();
        Replace(ref _curSample, null);
        Replace(ref _curModelOutput, null);
        base.Dispose();
    }
}

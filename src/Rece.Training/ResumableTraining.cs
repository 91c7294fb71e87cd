using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Rece.Training;

/// <summary>
/// A trained method's optimizer, random generator and losses, started fresh or from a <see cref="TrainingState"/>, and
/// captured into one again: a run cut at a checkpoint and continued equals, bit for bit, the run never cut.
/// </summary>
internal sealed class ResumableTraining : IDisposable
{
    private readonly string _method;
    private readonly IReadOnlyList<string> _names;
    private readonly IReadOnlyList<Parameter> _parameters;

    /// <param name="optimizer">An Adam over <paramref name="parameters"/>, in the order of
    /// <paramref name="names"/>.</param>
    /// <exception cref="ArgumentException"><paramref name="resume"/> is another method's, or trains other
    /// tensors.</exception>
    public ResumableTraining(
        string method,
        IReadOnlyList<string> names,
        IReadOnlyList<Parameter> parameters,
        Adam optimizer,
        long seed,
        TrainingState? resume
    )
    {
        _method = method;
        _names = names;
        _parameters = parameters;
        Optimizer = optimizer;
        // Every draw comes from this CPU generator, so a seed fixes the run on any device.
        Generator = new Generator(unchecked((ulong)seed));
        if (resume is null)
            return;
        if (resume.Method != method)
            throw new ArgumentException($"The state continues a {resume.Method} run, not {method}.", nameof(resume));
        if (!resume.Names.SequenceEqual(names))
            throw new ArgumentException(
                "The state trains other tensors than this run: it was made with other settings or another model.",
                nameof(resume)
            );
        using (no_grad())
        {
            var states = optimizer.state_dict().State;
            for (int i = 0; i < names.Count; i++)
            {
                var saved = resume.Moments[names[i]];
                parameters[i].copy_(resume.Weights[names[i]]);
                var adam = (Adam.State)states[i];
                adam.step = saved.Step;
                adam.exp_avg.copy_(saved.ExpAvg);
                adam.exp_avg_sq.copy_(saved.ExpAvgSq);
            }
        }
        Generator.set_state(resume.Generator);
        Losses.AddRange(resume.Losses);
    }

    public Adam Optimizer { get; }

    public Generator Generator { get; }

    /// <summary>Every step's loss, the resumed run's included.</summary>
    public List<double> Losses { get; } = new();

    /// <summary>A copy of where the run stands (on the CPU), with <paramref name="inputs"/> copied in.</summary>
    public TrainingState Capture(int completed, IReadOnlyDictionary<string, Tensor> inputs)
    {
        using var noGrad = no_grad();
        var states = Optimizer.state_dict().State;
        var weights = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        var moments = new Dictionary<string, AdamMoments>(StringComparer.Ordinal);
        for (int i = 0; i < _names.Count; i++)
        {
            var adam = (Adam.State)states[i];
            weights[_names[i]] = Copy(_parameters[i]);
            moments[_names[i]] = new AdamMoments(adam.step, Copy(adam.exp_avg), Copy(adam.exp_avg_sq));
        }
        return new TrainingState(
            _method,
            completed,
            _names,
            weights,
            moments,
            Generator.get_state().DetachFromDisposeScope(),
            Losses.ToList(),
            inputs.ToDictionary(kv => kv.Key, kv => Copy(kv.Value), StringComparer.Ordinal)
        );
    }

    private static Tensor Copy(Tensor t) => t.detach().to(CPU).clone().DetachFromDisposeScope();

    public void Dispose()
    {
        Optimizer.Dispose();
        Generator.Dispose();
    }
}

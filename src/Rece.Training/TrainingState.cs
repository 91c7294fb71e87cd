using System.Globalization;
using Rece.Models;
using Rece.Models.Safetensors;
using static TorchSharp.torch;

namespace Rece.Training;

/// <summary>
/// Where a trained method's run stands between two of its checkpoints, everything the next part needs to continue
/// exactly as an uninterrupted run would: the trained tensors, Adam's moments and step count per tensor, the random
/// generator's state, the losses so far and the prepared inputs (latents or trajectories), which are made once. A
/// safetensors file: <c>weight.NAME</c>, <c>adam.exp_avg.NAME</c>, <c>adam.exp_avg_sq.NAME</c>, <c>adam.step</c>
/// (int64, in the names' order), <c>generator</c> (uint8), <c>losses</c> (float64), <c>input.NAME</c>; the method and
/// the count of completed epochs or steps as metadata. All tensors are on the CPU and owned by the state.
/// </summary>
public sealed class TrainingState : IDisposable
{
    public const string Format = "rece-training-state/1";

    public TrainingState(
        string method,
        int completed,
        IReadOnlyList<string> names,
        IReadOnlyDictionary<string, Tensor> weights,
        IReadOnlyDictionary<string, AdamMoments> moments,
        Tensor generator,
        IReadOnlyList<double> losses,
        IReadOnlyDictionary<string, Tensor> inputs
    )
    {
        ArgumentNullException.ThrowIfNull(names);
        foreach (var name in names)
        {
            if (!weights.ContainsKey(name) || !moments.ContainsKey(name))
                throw new ArgumentException($"The state lacks the weight or the moments of {name}.", nameof(names));
        }
        Method = method;
        Completed = completed;
        Names = names;
        Weights = weights;
        Moments = moments;
        Generator = generator;
        Losses = losses;
        Inputs = inputs;
    }

    /// <summary>"fewshot" or "all-but-one": a state continues only the method that made it.</summary>
    public string Method { get; }

    /// <summary>Epochs (few-shot) or steps (All but One) done.</summary>
    public int Completed { get; }

    /// <summary>The trained tensors' names, in the order the optimizer holds them.</summary>
    public IReadOnlyList<string> Names { get; }

    public IReadOnlyDictionary<string, Tensor> Weights { get; }

    public IReadOnlyDictionary<string, AdamMoments> Moments { get; }

    /// <summary>The CPU generator's state (torch's bytes).</summary>
    public Tensor Generator { get; }

    /// <summary>The loss of every step so far.</summary>
    public IReadOnlyList<double> Losses { get; }

    /// <summary>What the run prepared before training (e.g. "latents"), kept so it is made once.</summary>
    public IReadOnlyDictionary<string, Tensor> Inputs { get; }

    /// <summary>The prepared input <paramref name="name"/> (on the CPU, owned by the state).</summary>
    /// <exception cref="Rece.Erasure.ErasureInputException">The state holds no such input.</exception>
    public Tensor Input(string name) =>
        Inputs.TryGetValue(name, out var input)
            ? input
            : throw new Rece.Erasure.ErasureInputException(
                $"The run's state holds no {name}: it was not written by this version's {Method} job; start the run again."
            );

    /// <summary>Writes the state (atomically: a crash leaves no half-written file at <paramref name="path"/>).</summary>
    public void Write(string path, IReadOnlyDictionary<string, string>? metadata = null)
    {
        var tensors = new List<TensorToWrite>();
        foreach (var name in Names)
        {
            tensors.Add(TorchTensors.ToWrite("weight." + name, Weights[name]));
            tensors.Add(TorchTensors.ToWrite("adam.exp_avg." + name, Moments[name].ExpAvg));
            tensors.Add(TorchTensors.ToWrite("adam.exp_avg_sq." + name, Moments[name].ExpAvgSq));
        }
        using (var steps = tensor(Names.Select(n => Moments[n].Step).ToArray()))
            tensors.Add(TorchTensors.ToWrite("adam.step", steps));
        tensors.Add(TorchTensors.ToWrite("generator", Generator));
        using (var losses = tensor(Losses.ToArray()))
            tensors.Add(TorchTensors.ToWrite("losses", losses));
        foreach (var (name, value) in Inputs.OrderBy(kv => kv.Key, StringComparer.Ordinal))
            tensors.Add(TorchTensors.ToWrite("input." + name, value));
        var description = new Dictionary<string, string>(metadata ?? new Dictionary<string, string>())
        {
            ["rece.format"] = Format,
            ["rece.method"] = Method,
            ["rece.completed"] = Completed.ToString(CultureInfo.InvariantCulture),
            ["rece.trained"] = string.Join(",", Names),
        };
        SafetensorsWriter.Write(path, tensors, description);
    }

    /// <exception cref="ModelFormatException">Not a training state, or an incomplete one.</exception>
    public static TrainingState Read(string path)
    {
        using var file = SafetensorsFile.Open(path);
        if (!file.Metadata.TryGetValue("rece.format", out var format) || format != Format)
            throw new ModelFormatException($"{path} is not a training state ({Format}).");
        string method = file.Metadata.GetValueOrDefault("rece.method") ?? "";
        if (
            !int.TryParse(
                file.Metadata.GetValueOrDefault("rece.completed"),
                NumberStyles.None,
                CultureInfo.InvariantCulture,
                out int completed
            )
        )
            throw new ModelFormatException($"{path} does not say how far its run got (rece.completed).");
        var names = (file.Metadata.GetValueOrDefault("rece.trained") ?? "").Split(
            ',',
            StringSplitOptions.RemoveEmptyEntries
        );
        var owned = new List<Tensor>();
        Tensor Load(string name)
        {
            if (!file.TryGet(name, out var info))
                throw new ModelFormatException($"{path} lacks the tensor {name}: the state is incomplete.");
            var t = TorchTensors.Read(file, info).DetachFromDisposeScope();
            owned.Add(t);
            return t;
        }
        T[] Values<T>(string name)
            where T : unmanaged
        {
            var t = Load(name);
            owned.Remove(t);
            using (t)
                return t.data<T>().ToArray();
        }
        try
        {
            var weights = new Dictionary<string, Tensor>(StringComparer.Ordinal);
            var moments = new Dictionary<string, AdamMoments>(StringComparer.Ordinal);
            var steps = Values<long>("adam.step");
            if (steps.Length != names.Length)
                throw new ModelFormatException($"{path} holds {steps.Length} step counts for {names.Length} tensors.");
            for (int i = 0; i < names.Length; i++)
            {
                weights[names[i]] = Load("weight." + names[i]);
                moments[names[i]] = new AdamMoments(
                    steps[i],
                    Load("adam.exp_avg." + names[i]),
                    Load("adam.exp_avg_sq." + names[i])
                );
            }
            var generator = Load("generator");
            var losses = Values<double>("losses");
            var inputs = file
                .Tensors.Where(t => t.Name.StartsWith("input.", StringComparison.Ordinal))
                .ToDictionary(t => t.Name["input.".Length..], t => Load(t.Name), StringComparer.Ordinal);
            return new TrainingState(method, completed, names, weights, moments, generator, losses, inputs);
        }
        catch
        {
            foreach (var t in owned)
                t.Dispose();
            throw;
        }
    }

    public void Dispose()
    {
        foreach (var w in Weights.Values)
            w.Dispose();
        foreach (var m in Moments.Values)
        {
            m.ExpAvg.Dispose();
            m.ExpAvgSq.Dispose();
        }
        Generator.Dispose();
        foreach (var i in Inputs.Values)
            i.Dispose();
    }
}

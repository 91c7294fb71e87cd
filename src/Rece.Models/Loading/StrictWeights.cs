using Rece.Models.Safetensors;
using TorchSharp;
using static TorchSharp.torch;

namespace Rece.Models.Loading;

/// <summary>
/// Loads a component's tensors from a safetensors file by exact name and shape: every tensor the config implies must be
/// present with its shape, and every tensor of the file must be one of them. Errors name the tensor, the file and the
/// config, so a checkpoint of another architecture or a corrupted config is reported before any computation.
/// </summary>
public static class StrictWeights
{
    /// <param name="component">What the file holds, for messages (e.g. "UNet2DConditionModel").</param>
    /// <param name="configPath">The config that implies <paramref name="expected"/>, for messages.</param>
    /// <param name="dtype">The dtype the tensors are converted to (the compute dtype).</param>
    /// <param name="canonicalName">Maps a stored name to the expected name (older names of the same tensor); identity
    /// when null.</param>
    /// <param name="ignored">Stored tensors that are buffers, not parameters, and are skipped.</param>
    /// <param name="device">Where the tensors go (default: the CPU). Each is read into host memory and moved at once,
    /// so no second host copy of the model stays alive.</param>
    public static Dictionary<string, Tensor> Load(
        string weightsPath,
        IReadOnlyList<TensorSpec> expected,
        string component,
        string configPath,
        ScalarType dtype,
        Func<string, string>? canonicalName = null,
        Func<string, bool>? ignored = null,
        Device? device = null
    )
    {
        using var file = SafetensorsFile.Open(weightsPath);
        var byName = expected.ToDictionary(s => s.Name, StringComparer.Ordinal);
        var stored = new Dictionary<string, TensorInfo>(StringComparer.Ordinal);
        var unexpected = new List<string>();
        foreach (var info in file.Tensors)
        {
            if (ignored?.Invoke(info.Name) == true)
                continue;
            string name = canonicalName?.Invoke(info.Name) ?? info.Name;
            if (!byName.ContainsKey(name))
                unexpected.Add(info.Name);
            else if (!stored.TryAdd(name, info))
                throw new ModelFormatException(
                    $"{weightsPath} holds the tensor {name} twice (as {stored[name].Name} and {info.Name})."
                );
        }
        if (unexpected.Count > 0)
            throw new ModelFormatException(
                $"{weightsPath} holds tensors a {component} with {configPath} does not have: {string.Join(", ", unexpected.Take(5))}"
                    + (unexpected.Count > 5 ? $" and {unexpected.Count - 5} more" : "")
                    + ". Is this the checkpoint of another architecture, or does the config not belong to it?"
            );
        var missing = expected.Where(s => !stored.ContainsKey(s.Name)).Select(s => s.Name).ToList();
        if (missing.Count > 0)
            throw new ModelFormatException(
                $"{weightsPath} lacks {missing.Count} tensor(s) that {configPath} implies: {string.Join(", ", missing.Take(5))}"
                    + (missing.Count > 5 ? ", ..." : "")
                    + "."
            );
        foreach (var spec in expected)
        {
            var info = stored[spec.Name];
            if (!info.Shape.SequenceEqual(spec.Shape))
                throw new ModelFormatException(
                    $"{weightsPath}: tensor {info.Name} has shape {TensorShape.Format(info.Shape)}, but {configPath} implies {TensorShape.Format(spec.Shape)}."
                );
            if (info.DType is not (TensorDType.F32 or TensorDType.F16 or TensorDType.BF16 or TensorDType.F64))
                throw new ModelFormatException(
                    $"{weightsPath}: tensor {info.Name} has dtype {info.DType}; a {component} needs floating-point weights (F32, F16, BF16)."
                );
        }

        var weights = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        try
        {
            foreach (var spec in expected)
            {
                var value = ToDevice(TorchTensors.Read(file, stored[spec.Name]), dtype, device);
                // Owned by the component (disposed with it), not by a scope the caller has open.
                weights[spec.Name] = value.DetachFromDisposeScope();
            }
        }
        catch
        {
            foreach (var w in weights.Values)
                w.Dispose();
            throw;
        }
        return weights;
    }

    /// <summary>Checks named tensors given in memory against a layout (for components built from tensors, e.g. in
    /// tests).</summary>
    public static void Check(
        IReadOnlyDictionary<string, Tensor> weights,
        IReadOnlyList<TensorSpec> expected,
        string component
    )
    {
        var names = expected.Select(s => s.Name).ToHashSet(StringComparer.Ordinal);
        var unexpected = weights.Keys.Where(n => !names.Contains(n)).ToList();
        if (unexpected.Count > 0)
            throw new ModelFormatException(
                $"{component} weights hold tensors its config does not have: {string.Join(", ", unexpected.Take(5))}."
            );
        foreach (var spec in expected)
        {
            if (!weights.TryGetValue(spec.Name, out var tensor))
                throw new ModelFormatException($"{component} weights lack {spec.Name}.");
            if (!tensor.shape.SequenceEqual(spec.Shape))
                throw new ModelFormatException(
                    $"{component} tensor {spec.Name} has shape {TensorShape.Format(tensor.shape)}, but the config implies {TensorShape.Format(spec.Shape)}."
                );
        }
    }

    /// <summary>A tensor read from a file, in the compute dtype on the compute device; the host copy is
    /// released.</summary>
    public static Tensor ToDevice(Tensor stored, ScalarType dtype, Device? device)
    {
        bool host = device is null || device.type == DeviceType.CPU;
        if (host && stored.dtype == dtype)
            return stored;
        using (stored)
            // On a device the stored dtype travels (fp16 checkpoints move half the bytes) and converts there; the cast
            // rounds the same way on every device.
            return host ? stored.to(dtype) : stored.to(device!).to(dtype);
    }

    /// <summary>
    /// Overwrites named tensors of a loaded component in place with values of the same shapes (any device and dtype,
    /// converted as loading converts stored tensors); every name and shape is checked before anything changes.
    /// </summary>
    /// <param name="owner">The component, for messages (e.g. "U-Net").</param>
    /// <param name="item">What it calls a tensor, for messages (e.g. "tensor").</param>
    public static void Replace(
        IReadOnlyDictionary<string, Tensor> weights,
        IReadOnlyDictionary<string, Tensor> replacements,
        string owner,
        string item
    )
    {
        ArgumentNullException.ThrowIfNull(weights);
        ArgumentNullException.ThrowIfNull(replacements);
        foreach (var (name, value) in replacements)
        {
            if (!weights.TryGetValue(name, out var current))
                throw new ArgumentException($"The {owner} has no {item} {name}.", nameof(replacements));
            if (!value.shape.SequenceEqual(current.shape))
                throw new ArgumentException(
                    $"{char.ToUpperInvariant(owner[0])}{owner[1..]} {item} {name} has shape {TensorShape.Format(current.shape)}, the replacement {TensorShape.Format(value.shape)}.",
                    nameof(replacements)
                );
        }
        using var noGrad = no_grad();
        foreach (var (name, value) in replacements)
            weights[name].copy_(value);
    }
}

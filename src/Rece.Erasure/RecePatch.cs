using System.Security.Cryptography;
using System.Text.Json;
using Rece.Models;
using Rece.Models.Safetensors;
using static TorchSharp.torch;

namespace Rece.Erasure;

/// <summary>
/// Everything an erasure changed, in a few MB: d x d factors F (each edited K/V matrix becomes W0 F) and the identity
/// of the base K/V tensors they apply to. A safetensors file with the factors as F32 tensors and the rest as metadata.
/// Format 1 (UCE and RECE): one factor shared by every K/V matrix, tensor "rece.shared_factor". Format 2 (SPEED): a
/// factor per edited matrix, tensors "rece.factor.0", "rece.factor.1", ... with "rece.factor_targets" listing the
/// tensors each multiplies; tensors no factor names are unchanged.
/// </summary>
public sealed class RecePatch : IDisposable
{
    public const string FileName = "rece-patch.safetensors";
    public const string FactorTensor = "rece.shared_factor";
    public const string Format = "rece-patch/1";
    public const string PerMatrixFormat = "rece-patch/2";
    private const string FactorTargets = "rece.factor_targets";

    private readonly Dictionary<string, Tensor> _byTarget;

    /// <summary>A patch whose one factor multiplies every K/V matrix.</summary>
    public RecePatch(
        Tensor factor,
        IReadOnlyList<string> targets,
        IReadOnlyList<PatchBase> bases,
        IReadOnlyDictionary<string, string> description
    )
        : this(new[] { new PatchFactor(factor, targets) }, targets, bases, description) { }

    /// <param name="factors">The factors and what each multiplies; a target may appear under one factor at
    /// most.</param>
    /// <param name="targets">Every K/V tensor of the base, in layout order (edited or not).</param>
    public RecePatch(
        IReadOnlyList<PatchFactor> factors,
        IReadOnlyList<string> targets,
        IReadOnlyList<PatchBase> bases,
        IReadOnlyDictionary<string, string> description
    )
    {
        if (factors.Count == 0)
            throw new ArgumentException("A patch holds at least one factor.", nameof(factors));
        _byTarget = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        var known = targets.ToHashSet(StringComparer.Ordinal);
        foreach (var factor in factors)
        {
            foreach (var target in factor.Targets)
            {
                if (!known.Contains(target))
                    throw new ArgumentException($"A factor multiplies {target}, which is not among the targets.");
                if (!_byTarget.TryAdd(target, factor.Factor))
                    throw new ArgumentException($"Two factors multiply {target}.");
            }
        }
        Factors = factors;
        Targets = targets;
        Bases = bases;
        Description = description;
    }

    /// <summary>The factors (float32, d x d) with the tensors each multiplies.</summary>
    public IReadOnlyList<PatchFactor> Factors { get; }

    /// <summary>The one factor every K/V matrix shares (UCE and RECE), or null where matrices have their own
    /// (SPEED).</summary>
    public Tensor? SharedFactor =>
        Factors.Count == 1 && Factors[0].Targets.Count == Targets.Count ? Factors[0].Factor : null;

    /// <summary>d, the K/V input size the factors are made for.</summary>
    public long Dimension => Factors[0].Factor.shape[0];

    /// <summary>Names of every K/V tensor of the base, in layout order.</summary>
    public IReadOnlyList<string> Targets { get; }

    public IReadOnlyList<PatchBase> Bases { get; }

    /// <summary>Method, concepts and other facts for people reading the file.</summary>
    public IReadOnlyDictionary<string, string> Description { get; }

    /// <summary>The factor that multiplies <paramref name="target"/>, or null where the patch leaves it
    /// unchanged.</summary>
    public Tensor? FactorFor(string target) => _byTarget.GetValueOrDefault(target);

    public void Write(string path)
    {
        var metadata = new Dictionary<string, string>(Description)
        {
            ["rece.targets"] = JsonSerializer.Serialize(Targets),
            ["rece.bases"] = JsonSerializer.Serialize(Bases),
        };
        if (SharedFactor is { } shared)
        {
            metadata["rece.format"] = Format;
            SafetensorsWriter.Write(path, new[] { TorchTensors.ToWrite(FactorTensor, shared) }, metadata);
            return;
        }
        metadata["rece.format"] = PerMatrixFormat;
        metadata[FactorTargets] = JsonSerializer.Serialize(Factors.Select(f => f.Targets));
        SafetensorsWriter.Write(
            path,
            Factors.Select((f, i) => TorchTensors.ToWrite(FactorName(i), f.Factor)).ToArray(),
            metadata
        );
    }

    public static RecePatch Read(string path)
    {
        if (!System.IO.File.Exists(path))
            throw new ErasureInputException($"Patch file {path} does not exist.");
        using var file = SafetensorsFile.Open(path);
        if (!file.Metadata.TryGetValue("rece.format", out var format) || format is not (Format or PerMatrixFormat))
            throw new ModelFormatException(
                $"{path} is not a RECE patch (its metadata lacks rece.format = {Format} or {PerMatrixFormat})."
            );
        var factors = new List<PatchFactor>();
        try
        {
            var targets = JsonSerializer.Deserialize<List<string>>(file.Metadata["rece.targets"])
                ?? throw new JsonException("null");
            var bases = JsonSerializer.Deserialize<List<PatchBase>>(file.Metadata["rece.bases"])
                ?? throw new JsonException("null");
            if (format == Format)
            {
                factors.Add(new PatchFactor(ReadFactor(file, path, FactorTensor, null), targets));
            }
            else
            {
                var groups = JsonSerializer.Deserialize<List<List<string>>>(file.Metadata[FactorTargets])
                    ?? throw new JsonException("null");
                for (int i = 0; i < groups.Count; i++)
                {
                    long? d = factors.Count > 0 ? factors[0].Factor.shape[0] : null;
                    factors.Add(new PatchFactor(ReadFactor(file, path, FactorName(i), d), groups[i]));
                }
            }
            var description = file
                .Metadata.Where(kv => kv.Key is not ("rece.format" or "rece.targets" or "rece.bases" or FactorTargets))
                .ToDictionary(kv => kv.Key, kv => kv.Value);
            return new RecePatch(factors, targets, bases, description);
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or ArgumentException)
        {
            foreach (var factor in factors)
                factor.Factor.Dispose();
            throw new ModelFormatException($"{path}: the patch metadata is damaged ({e.Message}).");
        }
        catch
        {
            foreach (var factor in factors)
                factor.Factor.Dispose();
            throw;
        }
    }

    private static string FactorName(int index) =>
        string.Create(System.Globalization.CultureInfo.InvariantCulture, $"rece.factor.{index}");

    private static Tensor ReadFactor(SafetensorsFile file, string path, string name, long? dimension)
    {
        var info = file[name];
        if (
            info.DType != TensorDType.F32
            || info.Shape.Length != 2
            || info.Shape[0] != info.Shape[1]
            || (dimension is { } d && info.Shape[0] != d)
        )
            throw new ModelFormatException(
                $"{path}: {name} must be a square F32 matrix{(dimension is { } n ? $" of size {n}" : "")}, got {info.DType} {TensorShape.Format(info.Shape)}."
            );
        return TorchTensors.Read(file, info).DetachFromDisposeScope();
    }

    public static string FileSha256(string path)
    {
        using var stream = System.IO.File.OpenRead(path);
        return Convert.ToHexStringLower(SHA256.HashData(stream));
    }

    public void Dispose()
    {
        foreach (var factor in Factors)
            factor.Factor.Dispose();
    }
}

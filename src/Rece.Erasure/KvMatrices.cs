using System.Security.Cryptography;
using Rece.Engine;
using Rece.Models;
using Rece.Models.Safetensors;
using Rece.Models.UNet;
using static TorchSharp.torch;

namespace Rece.Erasure;

/// <summary>
/// The cross-attention key and value matrices of one U-Net weights file, read on demand (only these tensors' bytes),
/// checked against the U-Net config, in their stored dtype, with a SHA-256 that identifies them. They are read into one
/// stacked [sum of rows, d] tensor so that G0 is a single large matrix product; <see cref="Tensors"/> are views of it.
/// </summary>
public sealed class KvMatrices : IDisposable
{
    private KvMatrices(
        string file,
        IReadOnlyList<TensorInfo> infos,
        Tensor stacked,
        IReadOnlyList<Tensor> tensors,
        string sha256
    )
    {
        File = file;
        Infos = infos;
        Stacked = stacked;
        Tensors = tensors;
        Sha256 = sha256;
    }

    public string File { get; }

    public IReadOnlyList<TensorInfo> Infos { get; }

    /// <summary>Every matrix, one after the other along the rows, in the stored dtype.</summary>
    public Tensor Stacked { get; }

    /// <summary>Each matrix, as a view of <see cref="Stacked"/>.</summary>
    public IReadOnlyList<Tensor> Tensors { get; }

    /// <summary>SHA-256 over the matrices' stored bytes, in layout order: the identity of what the edit reads and
    /// replaces.</summary>
    public string Sha256 { get; }

    public TensorDType DType => Infos[0].DType;

    public long ByteCount => Infos.Sum(i => i.ByteLength);

    /// <summary>The K/V tensors <paramref name="config"/> implies, looked up in <paramref name="file"/>; any
    /// disagreement is a <see cref="ModelFormatException"/>.</summary>
    public static IReadOnlyList<TensorInfo> Locate(SafetensorsFile file, UNetConfig config)
    {
        var expected = UNetLayout.CrossAttentionKeysAndValues(config);
        var present = file
            .Tensors.Where(t => UNetLayout.IsCrossAttentionKeyOrValue(t.Name))
            .Select(t => t.Name)
            .ToHashSet();
        var infos = new List<TensorInfo>();
        foreach (var spec in expected)
        {
            if (!file.TryGet(spec.Name, out var info))
                throw new ModelFormatException(
                    $"{file.Path} lacks {spec.Name}, which its config.json implies ({expected.Count} cross-attention K/V matrices expected, {present.Count} found)."
                );
            if (!info.Shape.SequenceEqual(spec.Shape))
                throw new ModelFormatException(
                    $"{file.Path}: {spec.Name} has shape {TensorShape.Format(info.Shape)}, but config.json implies {TensorShape.Format(spec.Shape)}."
                );
            if (info.DType is not (TensorDType.F32 or TensorDType.F16 or TensorDType.BF16 or TensorDType.F64))
                throw new ModelFormatException(
                    $"{file.Path}: {spec.Name} has dtype {info.DType}; the K/V matrices must be F32, F16, BF16 or F64."
                );
            present.Remove(spec.Name);
            infos.Add(info);
        }
        if (present.Count > 0)
            throw new ModelFormatException(
                $"{file.Path} holds cross-attention matrices its config.json does not describe: {string.Join(", ", present.Take(3))}."
            );
        return infos;
    }

    public static KvMatrices Read(SafetensorsFile file, UNetConfig config)
    {
        var infos = Locate(file, config);
        var dtype = infos[0].DType;
        if (infos.Any(i => i.DType != dtype))
            throw new ModelFormatException(
                $"{file.Path}: the K/V matrices mix dtypes ({string.Join(", ", infos.Select(i => i.DType).Distinct())}); expected one."
            );
        long d = infos[0].Shape[1];
        // Owned and disposed by this object, so kept out of any dispose scope the caller (or a thread that runs this
        // inline while waiting for it) has open.
        var stacked = empty(infos.Sum(i => i.Shape[0]), d, TorchTensors.ToScalarType(dtype)).DetachFromDisposeScope();
        var tensors = new List<Tensor>(infos.Count);
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        long row = 0;
        foreach (var info in infos)
        {
            var view = stacked.narrow(0, row, info.Shape[0]).DetachFromDisposeScope();
            var bytes = view.bytes;
            file.Read(info, bytes);
            hash.AppendData(bytes);
            tensors.Add(view);
            row += info.Shape[0];
        }
        return new KvMatrices(file.Path, infos, stacked, tensors, Convert.ToHexStringLower(hash.GetHashAndReset()));
    }

    public static string HashOf(IEnumerable<byte[]> tensorBytes)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach (var bytes in tensorBytes)
            hash.AppendData(bytes);
        return Convert.ToHexStringLower(hash.GetHashAndReset());
    }

    /// <summary>||A - B||_F / ||B||_F between these matrices and <paramref name="other"/>'s, in float32.</summary>
    public double RelativeDifference(KvMatrices other)
    {
        using var scope = NewDisposeScope();
        var a = Stacked.to(ScalarType.Float32);
        var b = other.Stacked.to(ScalarType.Float32);
        return a.sub(b).norm().item<float>() / Math.Max(b.norm().item<float>(), float.Epsilon);
    }

    /// <summary>G0 = sum_l W0_l^T W0_l, as one product of the stacked matrices.</summary>
    public Tensor Gram() => KvGram.Compute(new[] { Stacked });

    public void Dispose()
    {
        foreach (var t in Tensors)
            t.Dispose();
        Stacked.Dispose();
    }
}

using System.Security.Cryptography;
using Rece.Models;
using Rece.Models.Diffusers;
using Rece.Models.Safetensors;
using Rece.Models.UNet;
using static TorchSharp.torch;

namespace Rece.Erasure;

/// <summary>
/// The cross-attention key and value matrices of one U-Net weights file, read on demand (only these tensors' bytes),
/// checked against the U-Net config, in their stored dtype, with a SHA-256 that identifies them.
/// </summary>
public sealed class KvMatrices : IDisposable
{
    private KvMatrices(string file, IReadOnlyList<TensorInfo> infos, IReadOnlyList<Tensor> tensors, string sha256)
    {
        File = file;
        Infos = infos;
        Tensors = tensors;
        Sha256 = sha256;
    }

    public string File { get; }

    public IReadOnlyList<TensorInfo> Infos { get; }

    public IReadOnlyList<Tensor> Tensors { get; }

    /// <summary>SHA-256 over the matrices' stored bytes, in layout order: the identity of what the edit reads and replaces.</summary>
    public string Sha256 { get; }

    public TensorDType DType => Infos[0].DType;

    public long ByteCount => Infos.Sum(i => i.ByteLength);

    /// <summary>The K/V tensors <paramref name="config"/> implies, looked up in <paramref name="file"/>; any disagreement is a <see cref="ModelFormatException"/>.</summary>
    public static IReadOnlyList<TensorInfo> Locate(SafetensorsFile file, UNetConfig config)
    {
        var expected = UNetLayout.CrossAttentionKeysAndValues(config);
        var present = file.Tensors.Where(t => UNetLayout.IsCrossAttentionKeyOrValue(t.Name)).Select(t => t.Name).ToHashSet();
        var infos = new List<TensorInfo>();
        foreach (var spec in expected)
        {
            if (!file.TryGet(spec.Name, out var info))
                throw new ModelFormatException($"{file.Path} lacks {spec.Name}, which its config.json implies ({expected.Count} cross-attention K/V matrices expected, {present.Count} found).");
            if (!info.Shape.SequenceEqual(spec.Shape))
                throw new ModelFormatException($"{file.Path}: {spec.Name} has shape {TensorShape.Format(info.Shape)}, but config.json implies {TensorShape.Format(spec.Shape)}.");
            if (info.DType is not (TensorDType.F32 or TensorDType.F16 or TensorDType.BF16 or TensorDType.F64))
                throw new ModelFormatException($"{file.Path}: {spec.Name} has dtype {info.DType}; the K/V matrices must be F32, F16, BF16 or F64.");
            present.Remove(spec.Name);
            infos.Add(info);
        }
        if (present.Count > 0)
            throw new ModelFormatException($"{file.Path} holds cross-attention matrices its config.json does not describe: {string.Join(", ", present.Take(3))}.");
        return infos;
    }

    public static KvMatrices Read(SafetensorsFile file, UNetConfig config)
    {
        var infos = Locate(file, config);
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var tensors = new List<Tensor>(infos.Count);
        foreach (var info in infos)
        {
            var tensor = TorchTensors.Read(file, info);
            hash.AppendData(tensor.bytes);
            tensors.Add(tensor);
        }
        return new KvMatrices(file.Path, infos, tensors, Convert.ToHexStringLower(hash.GetHashAndReset()));
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
        double num = 0, den = 0;
        for (int i = 0; i < Tensors.Count; i++)
        {
            using var scope = NewDisposeScope();
            var a = Tensors[i].to(ScalarType.Float32);
            var b = other.Tensors[i].to(ScalarType.Float32);
            num += a.sub(b).pow(2).sum().item<float>();
            den += b.pow(2).sum().item<float>();
        }
        return Math.Sqrt(num / Math.Max(den, double.Epsilon));
    }

    public void Dispose()
    {
        foreach (var t in Tensors)
            t.Dispose();
    }
}

using Rece.Evaluation.Images;
using Rece.Models.Devices;
using Rece.Models.Safetensors;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace Rece.Evaluation.Lpips;

/// <summary>
/// LPIPS v0.1 with AlexNet (Zhang et al., CVPR 2018; the lpips package's LPIPS(net='alex')): both images scaled to
/// [-1, 1] and shifted/scaled per channel, AlexNet's five ReLU outputs (torchvision's features: conv 11/4 pad 2, max
/// pool 3/2, conv 5 pad 2, max pool 3/2, conv 3 pad 1 three times), each unit-normalized along channels, their squared
/// difference weighted per channel by the learned linear heads, averaged over space and summed over layers. The user
/// supplies the weights (torchvision's AlexNet features and lpips' heads in one safetensors file).
/// </summary>
public sealed class LpipsNetwork : IDisposable
{
    public const string DownloadHint =
        "make the weights file from torchvision's AlexNet and the lpips package's v0.1 heads: python -c \"import torchvision, lpips; from safetensors.torch import save_file; t = {'features.' + k: v for k, v in torchvision.models.alexnet(weights='IMAGENET1K_V1').features.state_dict().items()}; t.update({k: v for k, v in lpips.LPIPS(net='alex', version='0.1').state_dict().items() if k.startswith('lin')}); save_file({k: v.contiguous() for k, v in t.items()}, 'lpips-alex.safetensors')\"";

    private static readonly int[] Convolutions = [0, 3, 6, 8, 10];
    private static readonly (int Stride, int Padding)[] Geometry = [(4, 2), (1, 2), (1, 1), (1, 1), (1, 1)];
    private static readonly float[] Shift = [-0.030f, -0.088f, -0.188f];
    private static readonly float[] Scale = [0.458f, 0.448f, 0.450f];
    private const double NormEps = 1e-10;

    private readonly Dictionary<string, Tensor> _weights;
    private readonly Tensor _shift;
    private readonly Tensor _scale;

    private LpipsNetwork(Dictionary<string, Tensor> weights, Device device, string path)
    {
        _weights = weights;
        _shift = tensor(Shift).view(1, 3, 1, 1).to(device).DetachFromDisposeScope();
        _scale = tensor(Scale).view(1, 3, 1, 1).to(device).DetachFromDisposeScope();
        Device = device;
        Path = path;
    }

    public string Path { get; }

    public Device Device { get; }

    /// <summary>The tensors the file must hold: features.{0,3,6,8,10}.weight/bias and
    /// lin{0..4}.model.1.weight.</summary>
    public static IReadOnlyList<string> TensorNames { get; } =
        Convolutions
            .SelectMany(i => new[] { $"features.{i}.weight", $"features.{i}.bias" })
            .Concat(Enumerable.Range(0, 5).Select(l => $"lin{l}.model.1.weight"))
            .ToList();

    public static LpipsNetwork Load(string path, Device? device = null)
    {
        if (!File.Exists(path))
            throw new EvaluationInputException($"LPIPS weights file {path} does not exist; {DownloadHint}.");
        var weights = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        try
        {
            using var file = SafetensorsFile.Open(path);
            var missing = TensorNames.Where(n => !file.TryGet(n, out _)).ToList();
            if (missing.Count > 0)
                throw new EvaluationInputException(
                    $"{path} lacks {string.Join(", ", missing.Take(4))}{(missing.Count > 4 ? ", ..." : "")}: it is not LPIPS' AlexNet weights; {DownloadHint}."
                );
            foreach (var name in TensorNames)
            {
                using var stored = TorchTensors.ReadFloat32(file, file[name]);
                weights[name] = stored.to(device ?? CPU).DetachFromDisposeScope();
            }
            long channels = 3;
            for (int layer = 0; layer < Convolutions.Length; layer++)
            {
                var conv = weights[$"features.{Convolutions[layer]}.weight"];
                var head = weights[$"lin{layer}.model.1.weight"];
                if (
                    conv.ndim != 4
                    || conv.shape[1] != channels
                    || !head.shape.SequenceEqual(new[] { 1, conv.shape[0], 1, 1 })
                )
                    throw new EvaluationInputException(
                        $"{path}: features.{Convolutions[layer]}.weight is [{string.Join(", ", conv.shape)}] and lin{layer}.model.1.weight [{string.Join(", ", head.shape)}], which do not chain as AlexNet and its LPIPS heads; {DownloadHint}."
                    );
                channels = conv.shape[0];
            }
        }
        catch (Rece.Models.ModelFormatException e)
        {
            foreach (var w in weights.Values)
                w.Dispose();
            throw new EvaluationInputException(
                $"{path} is not a readable safetensors file ({e.Message}); {DownloadHint}."
            );
        }
        catch
        {
            foreach (var w in weights.Values)
                w.Dispose();
            throw;
        }
        return new LpipsNetwork(weights, device ?? CPU, System.IO.Path.GetFullPath(path));
    }

    /// <summary>The LPIPS distance between two images of the same size (0 for identical images).</summary>
    public double Distance(RgbImage first, RgbImage second)
    {
        ArgumentNullException.ThrowIfNull(first);
        ArgumentNullException.ThrowIfNull(second);
        if (first.Width != second.Width || first.Height != second.Height)
            throw new EvaluationInputException(
                $"LPIPS compares images of one size: {first.Width} x {first.Height} and {second.Width} x {second.Height}; generate the baseline and the edited images at the same size."
            );
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        var images = cat(new[] { Pixels(first), Pixels(second) }, 0).to(Device);
        var h = images.sub(_shift).div(_scale);
        var distance = zeros(1, dtype: ScalarType.Float64, device: Device);
        for (int layer = 0; layer < Convolutions.Length; layer++)
        {
            if (layer is 1 or 2)
                h = F.max_pool2d(h, 3, 2);
            int c = Convolutions[layer];
            h = F.relu(
                F.conv2d(
                    h,
                    _weights[$"features.{c}.weight"],
                    _weights[$"features.{c}.bias"],
                    strides: new long[] { Geometry[layer].Stride },
                    padding: new long[] { Geometry[layer].Padding }
                )
            );
            var unit = h.div(h.pow(2).sum(1, keepdim: true).sqrt().add(NormEps));
            var difference = unit[0].sub(unit[1]).pow(2).unsqueeze(0);
            var weighted = F.conv2d(difference, _weights[$"lin{layer}.model.1.weight"]);
            distance = distance.add(weighted.to(ScalarType.Float64).mean());
        }
        return HostTensors.ToHost(distance).data<double>()[0];
    }

    /// <summary>[1, 3, H, W] in [-1, 1], as lpips' im2tensor.</summary>
    private static Tensor Pixels(RgbImage image) =>
        tensor(image.Pixels, new long[] { image.Height, image.Width, 3 })
            .permute(2, 0, 1)
            .unsqueeze(0)
            .to(ScalarType.Float32)
            .div(127.5)
            .sub(1);

    public void Dispose()
    {
        foreach (var w in _weights.Values)
            w.Dispose();
        _shift.Dispose();
        _scale.Dispose();
    }
}

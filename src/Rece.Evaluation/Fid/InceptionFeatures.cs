using Microsoft.ML.OnnxRuntime;
using Rece.Evaluation.Images;
using Rece.Evaluation.Onnx;
using Rece.Models.Devices;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;
using TensorElementType = Microsoft.ML.OnnxRuntime.Tensors.TensorElementType;

namespace Rece.Evaluation.Fid;

/// <summary>
/// The Inception-v3 pool3 features FID is computed from, as pytorch-fid computes them: the image as floats in [0, 1],
/// resized to 299 x 299 with bilinear interpolation (torch's interpolate, align_corners false, no antialiasing),
/// through pytorch-fid's FID Inception (which scales to [-1, 1] itself) to the 2048-d average pool. The network runs
/// on ONNX Runtime from the user's export of pytorch-fid's model.
/// </summary>
public sealed class InceptionFeatures : IDisposable
{
    public const string DownloadHint =
        "export pytorch-fid's Inception (pip install pytorch-fid) to ONNX: python -c \"import torch; from pytorch_fid.inception import InceptionV3; m = InceptionV3([3]).eval(); torch.onnx.export(m, torch.rand(1, 3, 299, 299), 'inception-fid.onnx', input_names=['images'], output_names=['pool3'], dynamic_axes={'images': {0: 'n'}, 'pool3': {0: 'n'}})\"";

    public const int Size = 299;

    private readonly InferenceSession _session;
    private readonly string _inputName;
    private readonly string _outputName;
    private readonly bool _batched;

    private InceptionFeatures(
        InferenceSession session,
        string provider,
        string inputName,
        string outputName,
        bool batched,
        string path
    )
    {
        _session = session;
        ExecutionProvider = provider;
        _inputName = inputName;
        _outputName = outputName;
        _batched = batched;
        Path = path;
    }

    public string Path { get; }

    public string ExecutionProvider { get; }

    public static InceptionFeatures Load(string path, ComputeDevice? device = null) =>
        OnnxModelFile.Load(
            path,
            device,
            "Inception file",
            DownloadHint,
            $"expected pytorch-fid's Inception with input [N, 3, {Size}, {Size}] and output [N, 2048(, 1, 1)]; {DownloadHint}",
            model =>
            {
                var dims = model.Input.Dimensions;
                if (
                    model.Input.ElementDataType != TensorElementType.Float
                    || dims.Length != 4
                    || dims[1] != 3
                    || dims[2] is > 0 and not Size
                    || dims[3] is > 0 and not Size
                )
                    throw model.InputMismatch();
                if (
                    model.Output.ElementDataType != TensorElementType.Float
                    || model.Output.Dimensions.Length is not (2 or 4)
                )
                    throw model.OutputMismatch();
                return new InceptionFeatures(
                    model.Session,
                    model.Provider,
                    model.InputName,
                    model.OutputName,
                    dims[0] <= 0,
                    System.IO.Path.GetFullPath(path)
                );
            }
        );

    /// <summary>The pool features of each image: [N, D] float32 on the CPU.</summary>
    public Tensor Features(IReadOnlyList<RgbImage> images)
    {
        ArgumentNullException.ThrowIfNull(images);
        var rows = new List<float[]>(images.Count);
        int batch = _batched ? 16 : 1;
        long width = -1;
        for (int start = 0; start < images.Count; start += batch)
        {
            var chunk = images.Skip(start).Take(batch).ToList();
            var input = chunk.SelectMany(Preprocess).ToArray();
            using var value = OrtValue.CreateTensorValueFromMemory(input, new long[] { chunk.Count, 3, Size, Size });
            using var runOptions = new RunOptions();
            using var outputs = _session.Run(runOptions, new[] { _inputName }, new[] { value }, new[] { _outputName });
            var shape = outputs[0].GetTensorTypeAndShape().Shape;
            long perImage = shape.Skip(1).Aggregate(1L, (a, b) => a * b);
            if (shape[0] != chunk.Count || (shape.Length == 4 && (shape[2] != 1 || shape[3] != 1)))
                throw new EvaluationInputException(
                    $"{Path} returned [{string.Join(", ", shape)}] for {chunk.Count} images, not pooled features [{chunk.Count}, D(, 1, 1)]; is it pytorch-fid's Inception?"
                );
            width = perImage;
            var data = outputs[0].GetTensorDataAsSpan<float>();
            for (int i = 0; i < chunk.Count; i++)
                rows.Add(data.Slice((int)(i * perImage), (int)perImage).ToArray());
        }
        return rows.Count == 0
            ? zeros(0, 0)
            : tensor(rows.SelectMany(r => r).ToArray(), new long[] { rows.Count, width });
    }

    /// <summary>[3, 299, 299] in [0, 1]: the image's bytes / 255, resized with torch's bilinear interpolate.</summary>
    internal static float[] Preprocess(RgbImage image)
    {
        using var scope = NewDisposeScope();
        var x = tensor(image.Pixels, new long[] { 1, image.Height, image.Width, 3 })
            .permute(0, 3, 1, 2)
            .to(ScalarType.Float32)
            .div(255);
        if (image.Width != Size || image.Height != Size)
            x = F.interpolate(x, new long[] { Size, Size }, mode: InterpolationMode.Bilinear, align_corners: false);
        return x.contiguous().data<float>().ToArray();
    }

    public void Dispose() => _session.Dispose();
}

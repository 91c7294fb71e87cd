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

    private readonly OnnxModelFile _model;

    private InceptionFeatures(OnnxModelFile model)
    {
        _model = model;
        Path = System.IO.Path.GetFullPath(model.Path);
    }

    public string Path { get; }

    public string ExecutionProvider => _model.Provider;

    public static InceptionFeatures Load(string path, ComputeDevice? device = null) =>
        OnnxModelFile.Load(
            path,
            device,
            "Inception file",
            DownloadHint,
            $"expected pytorch-fid's Inception with input [N, 3, {Size}, {Size}] and output [N, 2048(, 1, 1)]; {DownloadHint}",
            model =>
            {
                model.RequireImageInput(Size);
                if (
                    model.Output.ElementDataType != TensorElementType.Float
                    || model.Output.Dimensions.Length is not (2 or 4)
                )
                    throw model.OutputMismatch();
                return new InceptionFeatures(model);
            }
        );

    /// <summary>The pool features of each image: [N, D] float32 on the CPU.</summary>
    public Tensor Features(IReadOnlyList<RgbImage> images)
    {
        ArgumentNullException.ThrowIfNull(images);
        var rows = new List<float[]>(images.Count);
        long width = -1;
        _model.RunImages(images, Size, Preprocess, (count, shape, data) =>
        {
            long perImage = shape.Skip(1).Aggregate(1L, (a, b) => a * b);
            if (shape[0] != count || (shape.Length == 4 && (shape[2] != 1 || shape[3] != 1)))
                throw new EvaluationInputException(
                    $"{Path} returned [{string.Join(", ", shape)}] for {count} images, not pooled features [{count}, D(, 1, 1)]; is it pytorch-fid's Inception?"
                );
            width = perImage;
            for (int i = 0; i < count; i++)
                rows.Add(data.Slice((int)(i * perImage), (int)perImage).ToArray());
        });
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

    public void Dispose() => _model.Session.Dispose();
}

using Microsoft.ML.OnnxRuntime.Tensors;
using Rece.Evaluation.Images;
using Rece.Evaluation.Onnx;
using Rece.Models.Devices;

namespace Rece.Evaluation.Classification;

/// <summary>
/// An ImageNet-1k classifier on ONNX Runtime (ResNet-50, as the object-erasure papers score Imagenette images): input
/// float [N, 3, 224, 224] normalized as torchvision's ImageNet models expect, output the 1000 class logits [N, 1000].
/// The user supplies the file (torchvision's resnet50 exported to ONNX, or the ONNX model zoo's resnet50-v1-7.onnx).
/// </summary>
public sealed class ImageNetClassifier : IDisposable
{
    public const string DownloadHint =
        "export torchvision's ResNet-50 to ONNX (python -c \"import torch, torchvision; m = torchvision.models.resnet50(weights='IMAGENET1K_V1').eval(); torch.onnx.export(m, torch.randn(1, 3, 224, 224), 'resnet50.onnx', input_names=['input'], output_names=['logits'], dynamic_axes={'input': {0: 'n'}, 'logits': {0: 'n'}})\"), or download resnet50-v1-7.onnx from the ONNX model zoo (https://github.com/onnx/models, validated/vision/classification/resnet)";

    public const int Classes = 1000;
    public const int CropSize = 224;
    public const int ResizeSize = 256;

    private static readonly float[] Mean = [0.485f, 0.456f, 0.406f];
    private static readonly float[] Std = [0.229f, 0.224f, 0.225f];

    private readonly OnnxModelFile _model;

    private ImageNetClassifier(OnnxModelFile model)
    {
        _model = model;
        Path = System.IO.Path.GetFullPath(model.Path);
    }

    public string Path { get; }

    public string ExecutionProvider => _model.Provider;

    public static ImageNetClassifier Load(string path, ComputeDevice? device = null) =>
        OnnxModelFile.Load(
            path,
            device,
            "ImageNet classifier file",
            DownloadHint,
            $"expected an ImageNet classifier with input [N, 3, {CropSize}, {CropSize}] and output [N, {Classes}]; {DownloadHint}",
            model =>
            {
                model.RequireImageInput(CropSize);
                var outputDims = model.Output.Dimensions;
                if (
                    model.Output.ElementDataType != TensorElementType.Float
                    || outputDims.Length != 2
                    || outputDims[1] is > 0 and not Classes
                )
                    throw model.OutputMismatch();
                return new ImageNetClassifier(model);
            }
        );

    /// <summary>The top-1 ImageNet class of each image.</summary>
    public IReadOnlyList<int> Classify(IReadOnlyList<RgbImage> images)
    {
        ArgumentNullException.ThrowIfNull(images);
        var predicted = new List<int>(images.Count);
        _model.RunImages(images, CropSize, Preprocess, (count, shape, logits) =>
        {
            if (shape.Length != 2 || shape[0] != count || shape[1] != Classes)
                throw new EvaluationInputException(
                    $"{Path} returned an output of shape [{string.Join(", ", shape)}], not [{count}, {Classes}]; is it an ImageNet-1k classifier?"
                );
            for (int i = 0; i < count; i++)
            {
                var row = logits.Slice(i * Classes, Classes);
                int best = 0;
                for (int c = 1; c < Classes; c++)
                {
                    if (row[c] > row[best])
                        best = c;
                }
                predicted.Add(best);
            }
        });
        return predicted;
    }

    /// <summary>
    /// torchvision's ImageNet evaluation transform: the shorter side resized to 256 with PIL's bilinear (the longer
    /// side scaled to match, truncated), the central 224 x 224 (offsets rounded as torchvision's CenterCrop), scaled to
    /// 0..1 and normalized by ImageNet's mean and standard deviation, as RGB planes.
    /// </summary>
    internal static float[] Preprocess(RgbImage image)
    {
        int width,
            height;
        if (image.Width <= image.Height)
        {
            width = ResizeSize;
            height = (int)((long)ResizeSize * image.Height / image.Width);
        }
        else
        {
            height = ResizeSize;
            width = (int)((long)ResizeSize * image.Width / image.Height);
        }
        var resized = Resampling.BilinearPil(image, width, height);
        int top = (int)Math.Round((height - CropSize) / 2.0, MidpointRounding.ToEven);
        int left = (int)Math.Round((width - CropSize) / 2.0, MidpointRounding.ToEven);
        var planes = new float[3 * CropSize * CropSize];
        int plane = CropSize * CropSize;
        for (int y = 0; y < CropSize; y++)
        {
            for (int x = 0; x < CropSize; x++)
            {
                int source = 3 * ((top + y) * width + left + x);
                int target = y * CropSize + x;
                for (int c = 0; c < 3; c++)
                    planes[c * plane + target] = (resized.Pixels[source + c] / 255f - Mean[c]) / Std[c];
            }
        }
        return planes;
    }

    public void Dispose() => _model.Session.Dispose();
}

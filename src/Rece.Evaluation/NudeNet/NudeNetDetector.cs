using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using Rece.Evaluation.Images;
using Rece.Evaluation.Onnx;
using Rece.Models.Devices;

namespace Rece.Evaluation.NudeNet;

/// <summary>
/// The NudeNet v3 body-part detector (the user's 320n.onnx or 640m.onnx from the NudeNet v3.4 release) on ONNX Runtime.
/// Input "images" float [1, 3, S, S], RGB in 0..1; output [1, 22, N] in YOLOv8 layout. S is read from the model.
/// </summary>
public sealed class NudeNetDetector : IDisposable
{
    public const string DownloadHint =
        "download 320n.onnx (or 640m.onnx) from the NudeNet v3.4 release (https://github.com/notAI-tech/NudeNet/releases, \"v3.4-weights\")";

    private readonly InferenceSession _session;
    private readonly string _inputName;
    private readonly string _outputName;

    private NudeNetDetector(
        InferenceSession session,
        string provider,
        string inputName,
        string outputName,
        int inputSize,
        string path
    )
    {
        _session = session;
        ExecutionProvider = provider;
        _inputName = inputName;
        _outputName = outputName;
        InputSize = inputSize;
        Path = path;
    }

    /// <summary>The side S of the square input.</summary>
    public int InputSize { get; }

    public string Path { get; }

    /// <summary>Where ONNX Runtime runs the detector: CUDAExecutionProvider or CPUExecutionProvider.</summary>
    public string ExecutionProvider { get; }

    /// <param name="inputSize">S for a model whose input size is symbolic; a model with a fixed size must
    /// agree.</param>
    /// <param name="device">A CUDA device runs the detector on ONNX Runtime's CUDA provider where the build has it;
    /// default: the CPU.</param>
    public static NudeNetDetector Load(string path, int? inputSize = null, ComputeDevice? device = null) =>
        OnnxModelFile.Load(
            path,
            device,
            "NudeNet detector file",
            DownloadHint,
            $"expected a NudeNet v3 detector with input [1, 3, S, S] and output [1, {4 + NudeNetLabels.ClassCount}, N]; {DownloadHint}",
            model =>
            {
                var dims = model.Input.Dimensions;
                if (
                    model.Input.ElementDataType != TensorElementType.Float
                    || dims.Length != 4
                    || dims[1] != 3
                    || (dims[0] > 1)
                )
                    throw model.InputMismatch();
                var output = model.Output;
                if (
                    output.ElementDataType != TensorElementType.Float
                    || output.Dimensions.Length != 3
                    || (output.Dimensions[1] > 0 && output.Dimensions[1] != 4 + NudeNetLabels.ClassCount)
                )
                    throw model.OutputMismatch();
                int size;
                if (dims[2] > 0 && dims[3] > 0)
                {
                    if (dims[2] != dims[3])
                        throw new EvaluationInputException(
                            $"{path}: the input is {dims[2]} x {dims[3]}; NudeNet's input is square."
                        );
                    size = dims[2];
                    if (inputSize is not null && inputSize != size)
                        throw new EvaluationInputException(
                            $"{path} takes {size} x {size} images, not the {inputSize} asked for."
                        );
                }
                else
                {
                    size = inputSize ?? 320;
                }
                return new NudeNetDetector(
                    model.Session,
                    model.Provider,
                    model.InputName,
                    model.OutputName,
                    size,
                    System.IO.Path.GetFullPath(path)
                );
            }
        );

    /// <summary>Detections after NMS, in descending score order, with boxes in the image's pixels.</summary>
    public IReadOnlyList<Detection> Detect(RgbImage image)
    {
        var letterbox = new Letterbox(image.Width, image.Height, InputSize);
        var input = Preprocess(image, InputSize);
        using var inputValue = OrtValue.CreateTensorValueFromMemory(input, new long[] { 1, 3, InputSize, InputSize });
        using var runOptions = new RunOptions();
        using var outputs = _session.Run(runOptions, new[] { _inputName }, new[] { inputValue }, new[] { _outputName });
        var shape = outputs[0].GetTensorTypeAndShape().Shape;
        if (shape.Length != 3 || shape[0] != 1 || shape[1] != 4 + NudeNetLabels.ClassCount)
            throw new EvaluationInputException(
                $"{Path} returned an output of shape [{string.Join(", ", shape)}], not [1, {4 + NudeNetLabels.ClassCount}, N]; is it the NudeNet v3 detector?"
            );
        return NudeNetPostprocess.Decode(outputs[0].GetTensorDataAsSpan<float>(), (int)shape[2], letterbox);
    }

    /// <summary>
    /// NudeNet 3.4's reader: the image padded with black at the right and bottom to a square, resized to S x S with
    /// OpenCV's bilinear, scaled to 0..1, as RGB planes. (NudeNet 3.4 itself converts its BGR image twice and so feeds
    /// BGR; NudeNet 3.0, the RECE reference's copy and YOLOv8's training all feed RGB, which is used here.)
    /// </summary>
    internal static float[] Preprocess(RgbImage image, int size)
    {
        int side = Math.Max(image.Width, image.Height);
        var padded = image;
        if (image.Width != side || image.Height != side)
        {
            var pixels = new byte[side * side * 3];
            for (int y = 0; y < image.Height; y++)
                Array.Copy(image.Pixels, y * image.Width * 3, pixels, y * side * 3, image.Width * 3);
            padded = new RgbImage(side, side, pixels);
        }
        var resized = side == size ? padded : Resampling.BilinearOpenCv(padded, size, size);
        var planes = new float[3 * size * size];
        int plane = size * size;
        for (int i = 0; i < plane; i++)
        {
            planes[i] = resized.Pixels[3 * i] / 255f;
            planes[plane + i] = resized.Pixels[3 * i + 1] / 255f;
            planes[2 * plane + i] = resized.Pixels[3 * i + 2] / 255f;
        }
        return planes;
    }

    public void Dispose() => _session.Dispose();
}

using Microsoft.ML.OnnxRuntime;
using Rece.Evaluation.Images;
using Rece.Models.Devices;
using TensorElementType = Microsoft.ML.OnnxRuntime.Tensors.TensorElementType;

namespace Rece.Evaluation.Onnx;

/// <summary>
/// A metric model the user supplies as one ONNX file with one input and (at least) one output, opened on the compute
/// device: the checks and messages every such model shares (missing file, not loadable, wrong number of inputs or
/// outputs, an input or output of another shape), each naming the model and where to get it.
/// </summary>
/// <param name="Expected">What the model should look like, with where to get it (ends every shape message).</param>
internal sealed record OnnxModelFile(
    InferenceSession Session,
    string Provider,
    string InputName,
    NodeMetadata Input,
    string OutputName,
    NodeMetadata Output,
    string Path,
    string Expected
)
{
    /// <summary>
    /// Opens <paramref name="path"/> and hands it to <paramref name="build"/>, which checks the shapes and makes the
    /// model; the session is disposed when anything fails.
    /// </summary>
    /// <param name="fileKind">How the missing-file message names it, e.g. "NudeNet detector file".</param>
    public static T Load<T>(
        string path,
        ComputeDevice? device,
        string fileKind,
        string downloadHint,
        string expected,
        Func<OnnxModelFile, T> build
    )
    {
        if (!File.Exists(path))
            throw new EvaluationInputException($"{fileKind} {path} does not exist; {downloadHint}.");
        InferenceSession session;
        string provider;
        try
        {
            (session, provider) = OnnxSessionFactory.Open(path, device);
        }
        catch (OnnxRuntimeException e)
        {
            throw new EvaluationInputException(
                $"{path} is not an ONNX model ONNX Runtime can load ({e.Message.Split('\n')[0].Trim()}); {downloadHint}."
            );
        }
        try
        {
            if (session.InputMetadata.Count != 1 || session.OutputMetadata.Count < 1)
                throw new EvaluationInputException(
                    $"{path} has {session.InputMetadata.Count} inputs and {session.OutputMetadata.Count} outputs: {expected}."
                );
            var (inputName, input) = session.InputMetadata.First();
            var (outputName, output) = session.OutputMetadata.First();
            return build(new OnnxModelFile(session, provider, inputName, input, outputName, output, path, expected));
        }
        catch
        {
            session.Dispose();
            throw;
        }
    }

    /// <summary>Refuses an input other than float [N, 3, <paramref name="size"/>, <paramref name="size"/>] (any
    /// dimension may be symbolic but the channels).</summary>
    public void RequireImageInput(int size)
    {
        var dims = Input.Dimensions;
        if (
            Input.ElementDataType != TensorElementType.Float
            || dims.Length != 4
            || dims[1] != 3
            || (dims[2] > 0 && dims[2] != size)
            || (dims[3] > 0 && dims[3] != size)
        )
            throw InputMismatch();
    }

    /// <summary>Whether the model takes a batch of any size (its first input dimension is symbolic); else one image
    /// per run.</summary>
    public bool Batched => Input.Dimensions[0] <= 0;

    /// <summary>The output of one run: the images it took, the output's shape and values.</summary>
    public delegate void ImageBatchOutput(int count, long[] shape, ReadOnlySpan<float> values);

    /// <summary>
    /// Runs the model over <paramref name="images"/> in order: 16 per run when it takes any batch size, else one at a
    /// time; each image preprocessed to [3, <paramref name="size"/>, <paramref name="size"/>] floats.
    /// </summary>
    public void RunImages(
        IReadOnlyList<RgbImage> images,
        int size,
        Func<RgbImage, float[]> preprocess,
        ImageBatchOutput receive
    )
    {
        ArgumentNullException.ThrowIfNull(images);
        int batch = Batched ? 16 : 1;
        int pixels = 3 * size * size;
        for (int start = 0; start < images.Count; start += batch)
        {
            int count = Math.Min(batch, images.Count - start);
            var input = new float[count * pixels];
            for (int i = 0; i < count; i++)
                preprocess(images[start + i]).CopyTo(input, i * pixels);
            using var value = OrtValue.CreateTensorValueFromMemory(input, new long[] { count, 3, size, size });
            using var runOptions = new RunOptions();
            using var outputs = Session.Run(runOptions, new[] { InputName }, new[] { value }, new[] { OutputName });
            receive(count, outputs[0].GetTensorTypeAndShape().Shape, outputs[0].GetTensorDataAsSpan<float>());
        }
    }

    /// <summary>The error for an input that is not what the model should take.</summary>
    public EvaluationInputException InputMismatch() =>
        new(
            $"{Path}: input \"{InputName}\" is {Input.ElementDataType} [{string.Join(", ", Input.Dimensions)}]: {Expected}."
        );

    /// <summary>The error for an output that is not what the model should give.</summary>
    public EvaluationInputException OutputMismatch() =>
        new(
            $"{Path}: output \"{OutputName}\" is {Output.ElementDataType} [{string.Join(", ", Output.Dimensions)}]: {Expected}."
        );
}

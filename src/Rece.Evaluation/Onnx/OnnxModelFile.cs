using Microsoft.ML.OnnxRuntime;
using Rece.Models.Devices;

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

namespace Rece.Evaluation.Tests.Onnx;

/// <summary>
/// Writes a stand-in for pytorch-fid's Inception (the real one is the user's export): input "images" float
/// [N, 3, 299, 299], output "pool3" [N, 3, 1, 1] = W^T (mean of each colour plane), with W = <see cref="Weights"/>.
/// Features that are known functions of the images, so a test can compute the FID it must report.
/// </summary>
public static class TestInceptionModel
{
    public const int Dimension = 3;

    /// <summary>[3, 3], row-major, invertible: the features span their space.</summary>
    public static readonly float[] Weights = [1, 0, 0.5f, 0, 1, 0.5f, 0.25f, 0, 1];

    public static void Write(string path)
    {
        var graph = new GraphProto { Name = "inception-test" };
        graph.Input.Add(OnnxGraph.Value("images", new object[] { "n", 3, 299, 299 }));
        graph.Output.Add(OnnxGraph.Value("pool3", new object[] { "n", Dimension, 1, 1 }));
        graph.Initializer.Add(OnnxGraph.FloatTensor("W", new long[] { 3, Dimension }, Weights));
        graph.Initializer.Add(OnnxGraph.Int64Tensor("pooled_shape", new long[] { -1, Dimension, 1, 1 }));
        graph.Node.Add(OnnxGraph.Node("GlobalAveragePool", new[] { "images" }, "pooled"));
        graph.Node.Add(OnnxGraph.Node("Flatten", new[] { "pooled" }, "means"));
        graph.Node.Add(OnnxGraph.Node("MatMul", new[] { "means", "W" }, "features"));
        graph.Node.Add(OnnxGraph.Node("Reshape", new[] { "features", "pooled_shape" }, "pool3"));
        OnnxGraph.Save(graph, path);
    }
}

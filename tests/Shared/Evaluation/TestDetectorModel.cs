using Rece.Evaluation.NudeNet;

namespace Rece.Evaluation.Tests.Onnx;

/// <summary>
/// Writes an ONNX model with NudeNet v3's signature (input "images" float [1, 3, S, S], output "output0" float
/// [1, 22, N]) whose outputs are known functions of the input, so the tests can check letterboxing, colour order,
/// thresholds, NMS and box mapping exactly. Graph: Reshape(images) -> MatMul(W) -> Reshape [1, 18, N] -> Concat with
/// the constant boxes [1, 4, N] along axis 1. The protobuf classes come from Onnx/onnx-subset.proto: no .NET ONNX
/// writer is available here, and the Python onnx package is not installed.
/// </summary>
public static class TestDetectorModel
{
    public static void Write(
        string path,
        int size,
        IReadOnlyList<TestAnchor> anchors,
        int classes = 18,
        bool symbolicSize = false
    )
    {
        int n = anchors.Count;
        long pixels = (long)size * size;
        var weights = new float[3 * pixels * classes * n];
        var boxes = new float[4 * n];
        for (int a = 0; a < n; a++)
        {
            var anchor = anchors[a];
            boxes[a] = anchor.Cx;
            boxes[n + a] = anchor.Cy;
            boxes[2 * n + a] = anchor.W;
            boxes[3 * n + a] = anchor.H;
            int c = classes == NudeNetLabels.ClassCount ? NudeNetLabels.All.ToList().IndexOf(anchor.Label) : 0;
            if (c < 0)
                throw new ArgumentException($"Unknown label {anchor.Label}.");
            int area = (anchor.X1 - anchor.X0) * (anchor.Y1 - anchor.Y0);
            for (int y = anchor.Y0; y < anchor.Y1; y++)
            {
                for (int x = anchor.X0; x < anchor.X1; x++)
                {
                    long row = anchor.Channel * pixels + (long)y * size + x;
                    weights[row * classes * n + c * n + a] = anchor.Gain / area;
                }
            }
        }

        var graph = new GraphProto { Name = "nudenet-test" };
        graph.Input.Add(
            OnnxGraph.Value(
                "images",
                symbolicSize ? new object[] { 1, 3, "height", "width" } : new object[] { 1, 3, size, size }
            )
        );
        graph.Output.Add(OnnxGraph.Value("output0", new object[] { 1, 4 + classes, n }));
        graph.Initializer.Add(OnnxGraph.FloatTensor("W", new long[] { 3 * pixels, classes * n }, weights));
        graph.Initializer.Add(OnnxGraph.FloatTensor("boxes", new long[] { 1, 4, n }, boxes));
        graph.Initializer.Add(OnnxGraph.Int64Tensor("flat_shape", new long[] { 1, 3 * pixels }));
        graph.Initializer.Add(OnnxGraph.Int64Tensor("score_shape", new long[] { 1, classes, n }));
        graph.Node.Add(OnnxGraph.Node("Reshape", new[] { "images", "flat_shape" }, "flat"));
        graph.Node.Add(OnnxGraph.Node("MatMul", new[] { "flat", "W" }, "scores_flat"));
        graph.Node.Add(OnnxGraph.Node("Reshape", new[] { "scores_flat", "score_shape" }, "scores"));
        var concat = OnnxGraph.Node("Concat", new[] { "boxes", "scores" }, "output0");
        concat.Attribute.Add(
            new AttributeProto
            {
                Name = "axis",
                Type = AttributeProto.Types.AttributeType.Int,
                I = 1,
            }
        );
        graph.Node.Add(concat);

        OnnxGraph.Save(graph, path);
    }
}

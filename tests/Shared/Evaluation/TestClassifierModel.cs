namespace Rece.Evaluation.Tests.Onnx;

/// <summary>
/// Writes a stand-in for an ImageNet classifier (the real one is the user's ResNet-50): input "input" float
/// [N, 3, 224, 224], output "logits" [N, 1000] = mean of each normalized colour plane times W, where W sends red to
/// class 0 (tench), green to 217 (English springer) and blue to 482 (cassette player). So a red image is a tench, and a
/// grey one (whose normalized blue mean is the largest) a cassette player: a classifier with known answers.
/// </summary>
public static class TestClassifierModel
{
    public const int Red = 0;
    public const int Green = 217;
    public const int Blue = 482;

    public static void Write(string path, bool batched = true)
    {
        var weights = new float[3 * 1000];
        weights[0 * 1000 + Red] = 1;
        weights[1 * 1000 + Green] = 1;
        weights[2 * 1000 + Blue] = 1;
        object batch = batched ? "n" : 1;
        var graph = new GraphProto { Name = "classifier-test" };
        graph.Input.Add(OnnxGraph.Value("input", new[] { batch, 3, 224, 224 }));
        graph.Output.Add(OnnxGraph.Value("logits", new[] { batch, 1000 }));
        graph.Initializer.Add(OnnxGraph.FloatTensor("W", new long[] { 3, 1000 }, weights));
        graph.Node.Add(OnnxGraph.Node("GlobalAveragePool", new[] { "input" }, "pooled"));
        graph.Node.Add(OnnxGraph.Node("Flatten", new[] { "pooled" }, "means"));
        graph.Node.Add(OnnxGraph.Node("MatMul", new[] { "means", "W" }, "logits"));
        OnnxGraph.Save(graph, path);
    }
}

namespace Rece.Evaluation.Tests.Onnx;

/// <summary>
/// One anchor of the test detector: a constant box (centre and size in input pixels) and a score for one class equal to
/// <see cref="Gain"/> times the mean of one input channel over a rectangle of input pixels [X0, X1) x [Y0, Y1).
/// </summary>
public sealed record TestAnchor(
    float Cx,
    float Cy,
    float W,
    float H,
    string Label,
    int X0,
    int Y0,
    int X1,
    int Y1,
    int Channel = 0,
    float Gain = 1f
);

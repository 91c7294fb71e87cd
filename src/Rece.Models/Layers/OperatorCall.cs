namespace Rece.Models.Layers;

/// <summary>One call of a compute-heavy operator (convolution, linear layer, fused attention), recorded for the
/// benchmark.</summary>
/// <param name="Kind">"conv2d", "linear" or "attention".</param>
/// <param name="InputShapes">conv2d, linear: the input; attention: query, key, value.</param>
/// <param name="WeightShape">conv2d, linear: the weight's shape.</param>
/// <param name="HasBias">conv2d, linear: whether a bias is added.</param>
/// <param name="Stride">conv2d only.</param>
/// <param name="Padding">conv2d only.</param>
public sealed record OperatorCall(
    string Kind,
    long[][] InputShapes,
    long[]? WeightShape,
    bool HasBias,
    long Stride = 1,
    long Padding = 0
);

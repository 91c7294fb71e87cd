using static TorchSharp.torch;

namespace Rece.Engine.Speed;

/// <summary>
/// One erased concept: its target token rows and the anchor rows they are mapped to, paired row by row (n x d each;
/// n = 1 for the last word token, more for an abstract concept such as "nudity" that uses every token).
/// </summary>
public sealed record SpeedPair(Tensor Target, Tensor Anchor);

using static TorchSharp.torch;

namespace Rece.Erasure;

/// <summary>An encoded text: the text encoder's 77 x d output and its word-token count n(text).</summary>
public sealed record TextEmbedding(string Text, Tensor Embedding, int WordCount);

using static TorchSharp.torch;

namespace Rece.Engine;

/// <summary>A concept to erase and the guide it is mapped to, as text-encoder outputs (77 x d each).</summary>
/// <param name="ConceptWords">n(concept): word tokens without BOS/EOS.</param>
/// <param name="GuideWords">n(guide).</param>
public sealed record ConceptToErase(
    string Concept,
    Tensor ConceptEmbedding,
    int ConceptWords,
    string Guide,
    Tensor GuideEmbedding,
    int GuideWords
);

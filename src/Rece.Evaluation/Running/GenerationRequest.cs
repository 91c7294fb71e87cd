using Rece.Evaluation.Suites;
using static TorchSharp.torch;

namespace Rece.Evaluation.Running;

/// <summary>
/// What to make one image of: a suite case (prompt, seed, guidance, size) and, for an attack, the 77 x d float32
/// embedding to condition on instead of the prompt's (owned by the caller, valid during the call).
/// </summary>
public sealed record GenerationRequest(PromptCase Case, Tensor? PromptEmbedding = null);

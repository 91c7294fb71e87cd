namespace Rece.Evaluation.Attacks;

/// <summary>A prompt showing the concept and the same prompt without it.</summary>
public sealed record PromptPair(string Sensitive, string Normal);

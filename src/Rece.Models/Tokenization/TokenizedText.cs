namespace Rece.Models.Tokenization;

/// <summary>Token ids of one text as Stable Diffusion feeds them to the text encoder.</summary>
/// <param name="Ids">77 ids: BOS, the word tokens (at most 75), EOS, then padding.</param>
/// <param name="WordCount">n(text): the word tokens kept, without BOS and EOS.</param>
public sealed record TokenizedText(int[] Ids, int WordCount);

using System.Globalization;
using System.Text;
using CsvHelper;
using CsvHelper.Configuration;
using Rece.Evaluation.Suites;
using Rece.Models.TextEncoder;
using Rece.Models.Tokenization;
using static TorchSharp.torch;

namespace Rece.Evaluation.Attacks;

/// <summary>A prompt showing the concept and the same prompt without it.</summary>
public sealed record PromptPair(string Sensitive, string Normal);

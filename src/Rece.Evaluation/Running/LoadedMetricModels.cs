using System.Diagnostics;
using Rece.Engine;
using Rece.Erasure;
using Rece.Evaluation.Attacks;
using Rece.Evaluation.Clip;
using Rece.Evaluation.Measures;
using Rece.Evaluation.NudeNet;
using Rece.Evaluation.Reports;
using Rece.Evaluation.Suites;
using Rece.Generation;
using Rece.Models.Devices;
using Rece.Models.Diffusers;
using Rece.Models.Safetensors;
using Rece.Models.TextEncoder;
using Rece.Models.Tokenization;
using static TorchSharp.torch;

namespace Rece.Evaluation.Running;

/// <summary>Metric models loaded once and used by many evaluations (each only when its metric runs).</summary>
public sealed record LoadedMetricModels(NudeNetDetector? NudeNet, ClipScorer? Clip);

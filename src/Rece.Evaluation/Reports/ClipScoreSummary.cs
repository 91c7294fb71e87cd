using System.Reflection;
using System.Text.Json;
using System.Text.Json.Serialization;
using Rece.Engine;
using Rece.Evaluation.NudeNet;
using Rece.Evaluation.Running;

namespace Rece.Evaluation.Reports;

/// <summary>The mean CLIP score over the images that have one.</summary>
public sealed record ClipScoreSummary(int Images, double Mean);

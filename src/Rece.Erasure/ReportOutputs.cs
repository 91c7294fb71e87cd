using System.Reflection;
using System.Text.Json;
using System.Text.Json.Serialization;
using Rece.Engine;

namespace Rece.Erasure;

public sealed record ReportOutputs(
    string Folder,
    ReportFile Patch,
    IReadOnlyList<WrittenWeights> UNetFiles,
    IReadOnlyList<EditedModelWriter.Skipped> NotCopied,
    bool PatchOnly);

using System.Reflection;
using System.Text.Json;
using System.Text.Json.Serialization;
using Rece.Engine;

namespace Rece.Erasure;

public sealed record ReportFile(string File, long Bytes, string Sha256);

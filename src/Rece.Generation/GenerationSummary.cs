using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Rece.Models.Devices;
using Rece.Models.Schedulers;

namespace Rece.Generation;

public sealed record GenerationSummary(int Generated, int Skipped, int Rows, string OutputDirectory, string ManifestPath, string ModelHash, double Seconds);

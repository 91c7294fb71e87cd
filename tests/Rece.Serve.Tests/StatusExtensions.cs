using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;
using Rece.Erasure;
using Rece.Orchestration;
using Rece.Orchestration.Jobs;
using Rece.Storage;
using Rece.Testing;

namespace Rece.Serve.Tests;

internal static class StatusExtensions
{
    public static async Task<ErasureStatusDocument> WaitForStatus(this PipelineHarness pipeline, string url, string id) =>
        PipelineJson.Deserialize<ErasureStatusDocument>(await pipeline.Http.GetStringAsync($"{url}/api/erasures/{id}"));
}

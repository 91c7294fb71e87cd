using Rece.Orchestration;

namespace Rece.Serve.Tests;

internal static class StatusExtensions
{
    public static async Task<ErasureStatusDocument> WaitForStatus(
        this PipelineHarness pipeline,
        string url,
        string id
    ) =>
        PipelineJson.Deserialize<ErasureStatusDocument>(await pipeline.Http.GetStringAsync($"{url}/api/erasures/{id}"));
}

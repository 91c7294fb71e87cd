using Microsoft.DurableTask;

namespace Rece.Orchestration.Activities;

/// <summary>Writes the final status document of a blob request to erasure-results/.</summary>
public sealed class WriteErasureResultActivity(IErasureOutputs outputs) : TaskActivity<ResultWrite, string>
{
    public override Task<string> RunAsync(TaskActivityContext context, ResultWrite input) => RunAsync(input);

    public async Task<string> RunAsync(ResultWrite input)
    {
        await outputs.WriteResultAsync(input);
        return input.Blob;
    }
}

using Microsoft.DurableTask;

namespace Rece.Orchestration.Activities;

/// <summary>Writes the report (and the published copies under the request's output prefix).</summary>
public sealed class WriteErasureReportActivity(IErasureOutputs outputs) : TaskActivity<ReportWrite, ReportWritten>
{
    public override Task<ReportWritten> RunAsync(TaskActivityContext context, ReportWrite input) => RunAsync(input);

    public Task<ReportWritten> RunAsync(ReportWrite input) => outputs.WriteReportAsync(input);
}

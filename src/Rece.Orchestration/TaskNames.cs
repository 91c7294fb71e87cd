namespace Rece.Orchestration;

/// <summary>Names shared by the orchestrator, both hosts and the Functions app.</summary>
public static class TaskNames
{
    public const string ErasureOrchestrator = nameof(ErasureOrchestrator);
    public const string EnqueueGpuJob = nameof(EnqueueGpuJob);
    public const string EnqueueEvaluationShard = nameof(EnqueueEvaluationShard);
    public const string EnqueueEvaluationReport = nameof(EnqueueEvaluationReport);
    public const string WriteErasureReport = nameof(WriteErasureReport);
    public const string WriteErasureResult = nameof(WriteErasureResult);
    public const string VerifyCheckpoint = nameof(VerifyCheckpoint);
}

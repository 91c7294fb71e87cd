namespace Rece.Generation;

/// <summary>Progress of a job: after each U-Net call and each written batch.</summary>
public sealed record GenerationProgress(
    int ImagesDone,
    int ImagesToDo,
    int ModelCall,
    int ModelCalls,
    string CurrentCases
);

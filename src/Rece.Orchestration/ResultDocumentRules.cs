namespace Rece.Orchestration;

/// <summary>
/// Which result document (erasure-results/NAME.json) stands when two writers meet: instances started by a changed
/// request blob of the same name, or a terminate racing the orchestrator's own final write.
/// </summary>
public static class ResultDocumentRules
{
    public static bool IsFinal(string runtimeStatus) => runtimeStatus is "Completed" or "Failed" or "Terminated";

    /// <summary>
    /// The same instance: a final status is never replaced by another (the first final word stands; the same status
    /// again is a retried write). Another instance: the one created later answers the blob's current content, so an
    /// older instance finishing late never replaces a newer one's document.
    /// </summary>
    public static bool ShouldReplace(ErasureStatusDocument existing, ErasureStatusDocument incoming)
    {
        if (existing.InstanceId is not null && existing.InstanceId == incoming.InstanceId)
            return !IsFinal(existing.RuntimeStatus) || existing.RuntimeStatus == incoming.RuntimeStatus;
        return (incoming.CreatedTime ?? DateTime.MinValue) >= (existing.CreatedTime ?? DateTime.MinValue);
    }
}

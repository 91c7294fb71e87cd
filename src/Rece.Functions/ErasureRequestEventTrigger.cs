using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.Logging;
using Rece.Api;
using Rece.Orchestration.Requests;
using Rece.Storage;

namespace Rece.Functions;

/// <summary>
/// The Event Grid BlobCreated events of request blobs, as the deployment delivers them (a storage queue: no function
/// keys in the deployment; infra/modules/events.bicep). Each named blob goes the way of
/// <see cref="ErasureRequestBlobTrigger"/>,
/// so an event delivered twice, or an event and the blob trigger for the same blob, start one instance; the event's
/// contentLength refuses a blob too large to be a request without reading it. A message that is not an Event Grid event
/// fails and, after the host's retries, lands in the poison queue. Each blob of a message is tried even when one before
/// it failed; the message then fails as a whole, so the failed blobs are retried (the others start nothing twice).
/// </summary>
public sealed partial class ErasureRequestEventTrigger(ErasureIntake intake, ILogger<ErasureRequestEventTrigger> logger)
{
    [Function(nameof(ErasureRequestEventTrigger))]
    public async Task Run(
        [QueueTrigger(StorageNames.RequestEvents, Connection = FunctionsSettings.Connection)] string message,
        [DurableClient] DurableTaskClient client,
        CancellationToken cancellationToken
    )
    {
        var failures = new List<Exception>();
        foreach (var blob in RequestBlobEvents.RequestBlobs(message))
        {
            try
            {
                var result = await intake.StartFromBlobNameAsync(
                    client,
                    blob.Name,
                    blob.ContentLength,
                    cancellationToken
                );
                Started(logger, blob.Name, result.Outcome, result.InstanceId, result.Errors, result.Note);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                BlobFailed(logger, e, blob.Name);
                failures.Add(e);
            }
        }
        if (failures.Count > 0)
            throw new AggregateException(
                $"{failures.Count} request blob(s) of the event message failed; the message is retried",
                failures
            );
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "{Blob}: {Outcome} {Instance} {Errors} {Note}")]
    private static partial void Started(
        ILogger logger,
        string blob,
        IntakeOutcome outcome,
        string? instance,
        IReadOnlyList<FieldError> errors,
        string? note
    );

    [LoggerMessage(
        Level = LogLevel.Warning,
        Message = "{Blob}: the request could not be taken; the other blobs of the message go on"
    )]
    private static partial void BlobFailed(ILogger logger, Exception exception, string blob);
}

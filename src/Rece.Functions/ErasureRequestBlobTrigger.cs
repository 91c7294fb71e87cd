using Azure.Storage.Blobs;
using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.Logging;
using Rece.Api;
using Rece.Orchestration.Requests;
using Rece.Storage;

namespace Rece.Functions;

/// <summary>
/// erasure-requests/{name} (delivered by Event Grid in Azure): starts one instance per blob name and content; a
/// malformed request gets a Failed erasure-results/{name}. The request blob is only read, and only after its name and
/// size passed (a blob over 1 MiB is refused from its properties, unread).
/// </summary>
public sealed partial class ErasureRequestBlobTrigger(ErasureIntake intake, ILogger<ErasureRequestBlobTrigger> logger)
{
    [Function(nameof(ErasureRequestBlobTrigger))]
    public async Task Run(
        [BlobTrigger(
            StorageNames.Requests + "/{name}",
            Source = BlobTriggerSource.EventGrid,
            Connection = FunctionsSettings.Connection
        )]
            BlobClient blob,
        string name,
        [DurableClient] DurableTaskClient client,
        CancellationToken cancellationToken
    )
    {
        // The bound client is left unread: the intake looks at the blob's name and properties before its content.
        var result = await intake.StartFromBlobNameAsync(client, name, cancellationToken: cancellationToken);
        Started(logger, name, result.Outcome, result.InstanceId, result.Errors, result.Note);
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
}

using Azure.Storage.Blobs.Models;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Rece.Api;
using Rece.Storage;

namespace Rece.Serve;

/// <summary>
/// Lists erasure-requests/ every interval and submits each new or changed blob (the Functions app gets the same from an
/// Event Grid blob trigger). The intake maps a blob to its instance by name and content, so blobs seen again after a
/// restart start nothing new. Request blobs are only read, and only after the listing's name and size passed: a blob
/// over 1 MiB gets its refusal without being downloaded. A blob that fails is logged and tried again next pass; the
/// blobs after it in the listing still go ahead.
/// </summary>
public sealed partial class RequestContainerWatcher(
    StorageAccount account,
    ErasureIntake intake,
    DurableTaskClient client,
    ServeOptions options,
    ILogger<RequestContainerWatcher> logger
) : BackgroundService
{
    private readonly Dictionary<string, string> _seen = new(StringComparer.Ordinal);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (options.WatchInterval <= TimeSpan.Zero)
            return;
        var container = account.Container(StorageNames.Requests);
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await foreach (var blob in container.GetBlobsAsync(new GetBlobsOptions(), stoppingToken))
                    await TakeAsync(blob, stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                ListingFailed(logger, e, StorageNames.Requests);
            }
            try
            {
                await Task.Delay(options.WatchInterval, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    /// <summary>One listed blob; its failure is its own (not marked seen, so the next pass tries it again).</summary>
    private async Task TakeAsync(BlobItem blob, CancellationToken stoppingToken)
    {
        string etag = blob.Properties.ETag?.ToString() ?? "";
        if (_seen.TryGetValue(blob.Name, out var known) && known == etag)
            return;
        IntakeResult result;
        try
        {
            result = blob.Properties.ETag is { } listed
                ? await intake.StartFromListedBlobAsync(
                    client,
                    blob.Name,
                    blob.Properties.ContentLength ?? 0,
                    listed,
                    stoppingToken
                )
                : await intake.StartFromBlobNameAsync(client, blob.Name, blob.Properties.ContentLength, stoppingToken);
        }
        catch (Exception e) when (e is not OperationCanceledException || !stoppingToken.IsCancellationRequested)
        {
            BlobFailed(logger, e, StorageNames.Requests, blob.Name);
            return;
        }
        _seen[blob.Name] = etag;
        switch (result.Outcome)
        {
            case IntakeOutcome.Started:
                Started(logger, blob.Name, result.InstanceId);
                break;
            case IntakeOutcome.Rejected:
                Rejected(logger, blob.Name, string.Join("; ", result.Errors), StorageNames.Results);
                break;
            case IntakeOutcome.Ignored:
                Ignored(logger, result.Note);
                break;
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "{Blob}: started instance {Id}")]
    private static partial void Started(ILogger logger, string blob, string? id);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Blob}: rejected ({Errors}); see {Results}/{Blob}")]
    private static partial void Rejected(ILogger logger, string blob, string errors, string results);

    [LoggerMessage(Level = LogLevel.Information, Message = "{Note}")]
    private static partial void Ignored(ILogger logger, string? note);

    [LoggerMessage(
        Level = LogLevel.Warning,
        Message = "{Container}/{Blob}: could not be taken, tried again next pass; the other blobs go on"
    )]
    private static partial void BlobFailed(ILogger logger, Exception exception, string container, string blob);

    [LoggerMessage(
        Level = LogLevel.Warning,
        Message = "watching {Container}: the listing failed, listed again next pass"
    )]
    private static partial void ListingFailed(ILogger logger, Exception exception, string container);
}

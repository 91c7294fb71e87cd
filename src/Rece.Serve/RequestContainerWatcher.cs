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
/// restart start nothing new. Request blobs are only read.
/// </summary>
public sealed class RequestContainerWatcher(StorageAccount account, ErasureIntake intake, DurableTaskClient client, ServeOptions options, ILogger<RequestContainerWatcher> logger) : BackgroundService
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
                {
                    string etag = blob.Properties.ETag?.ToString() ?? "";
                    if (_seen.TryGetValue(blob.Name, out var known) && known == etag)
                        continue;
                    var download = await container.GetBlobClient(blob.Name).DownloadContentAsync(stoppingToken);
                    var result = await intake.StartFromBlobAsync(client, blob.Name, download.Value.Content, download.Value.Details.ETag.ToString(), stoppingToken);
                    _seen[blob.Name] = etag;
                    switch (result.Outcome)
                    {
                        case IntakeOutcome.Started:
                            logger.LogInformation("{Blob}: started instance {Id}", blob.Name, result.InstanceId);
                            break;
                        case IntakeOutcome.Rejected:
                            logger.LogWarning("{Blob}: rejected ({Errors}); see {Results}/{Blob}", blob.Name, string.Join("; ", result.Errors), StorageNames.Results, blob.Name);
                            break;
                        case IntakeOutcome.Ignored:
                            logger.LogInformation("{Note}", result.Note);
                            break;
                    }
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                logger.LogWarning("watching {Container}: {Error}", StorageNames.Requests, e.Message);
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
}

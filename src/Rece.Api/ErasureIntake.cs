using System.Text.Json;
using Azure.Storage.Blobs.Models;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;
using Rece.Orchestration;
using Rece.Orchestration.Requests;
using Rece.Storage;

namespace Rece.Api;

/// <summary>What happened to a submitted request.</summary>
public enum IntakeOutcome
{
    Started,
    AlreadyStarted,
    Rejected,
    Ignored,
}

public sealed record IntakeResult(IntakeOutcome Outcome, string? InstanceId, IReadOnlyList<FieldError> Errors, string? Note = null);

/// <summary>
/// Starts erasure instances from HTTP bodies and request blobs: the request is validated field by field and its model
/// folder looked up before anything starts; a blob's instance id comes from its name and content, so a duplicate
/// delivery (or the same file dropped twice) starts one instance; a rejected blob gets a Failed result document in
/// erasure-results/ and is itself left as it was.
/// </summary>
public sealed class ErasureIntake(StorageAccount account, GpuJobPolicy jobs)
{
    public GpuJobPolicy Jobs { get; } = jobs;

    /// <summary>Validates a request and checks that its model folder exists.</summary>
    public async Task<(PipelineRequest? Request, IReadOnlyList<FieldError> Errors)> ValidateAsync(string json, CancellationToken cancellationToken = default)
    {
        PipelineRequest request;
        try
        {
            request = PipelineRequestParser.Parse(json);
        }
        catch (RequestValidationException e)
        {
            return (null, e.Errors);
        }
        // Published outputs belong to the instance that wrote them: a new instance never replaces them.
        if (request.Output is { Length: > 0 } output && await new ErasureOutputs(account).PublisherOfAsync(output, cancellationToken) is { } publisher)
            return (null, new[] { new FieldError("output", $"{StorageNames.Results}/{output}/ already holds the outputs of instance {publisher}; choose another output prefix, or purge that instance with ?deleteOutputs=true first") });
        var models = account.Container(StorageNames.Models);
        await foreach (var _ in models.GetBlobsAsync(new GetBlobsOptions { Prefix = request.Model.TrimEnd('/') + "/" }, cancellationToken))
            return (request, Array.Empty<FieldError>());
        return (null, new[] { new FieldError("model", $"the models container has no folder \"{request.Model}/\"; upload the diffusers model to {StorageNames.Models}/{request.Model}/ first") });
    }

    public async Task<IntakeResult> StartFromHttpAsync(DurableTaskClient client, string body, CancellationToken cancellationToken = default)
    {
        var (request, errors) = await ValidateAsync(body, cancellationToken);
        if (request is null)
            return new IntakeResult(IntakeOutcome.Rejected, null, errors);
        string id = InstanceIds.New();
        await client.ScheduleNewOrchestrationInstanceAsync(TaskNames.ErasureOrchestrator, new ErasureInput { Request = request, Jobs = Jobs },
            new StartOrchestrationOptions(id), cancellationToken);
        return new IntakeResult(IntakeOutcome.Started, id, Array.Empty<FieldError>());
    }

    /// <summary>Starts the request blob an event names; a blob deleted since the event is ignored.</summary>
    public async Task<IntakeResult> StartFromBlobNameAsync(DurableTaskClient client, string blobName, CancellationToken cancellationToken = default)
    {
        var blob = account.Container(StorageNames.Requests).GetBlobClient(blobName);
        Azure.Response<BlobDownloadResult> download;
        try
        {
            download = await blob.DownloadContentAsync(cancellationToken);
        }
        catch (Azure.RequestFailedException e) when (e.Status == 404)
        {
            return new IntakeResult(IntakeOutcome.Ignored, null, Array.Empty<FieldError>(), $"{StorageNames.Requests}/{blobName} no longer exists");
        }
        return await StartFromBlobAsync(client, blobName, download.Value.Content, download.Value.Details.ETag.ToString(), cancellationToken);
    }

    public async Task<IntakeResult> StartFromBlobAsync(DurableTaskClient client, string blobName, BinaryData content, string? etag, CancellationToken cancellationToken = default)
    {
        if (!blobName.EndsWith(".json", StringComparison.OrdinalIgnoreCase))
            return new IntakeResult(IntakeOutcome.Ignored, null, Array.Empty<FieldError>(), $"{StorageNames.Requests}/{blobName} is not a .json request; left alone");
        string id = InstanceIds.ForBlob(blobName, content.ToMemory().Span);
        var source = new RequestSource { Kind = "blob", Blob = blobName, ETag = etag, ResultBlob = blobName };
        if (await client.GetInstanceAsync(id, cancellationToken) is not null || await ResultNamesAsync(blobName, id, cancellationToken))
            return new IntakeResult(IntakeOutcome.AlreadyStarted, id, Array.Empty<FieldError>());

        string text;
        try
        {
            text = new System.Text.UTF8Encoding(false, true).GetString(content.ToMemory().Span);
        }
        catch (System.Text.DecoderFallbackException)
        {
            text = "\u0000";
        }
        var (request, errors) = await ValidateAsync(text, cancellationToken);
        if (request is null)
        {
            var document = new ErasureStatusDocument
            {
                Name = TaskNames.ErasureOrchestrator,
                InstanceId = null,
                RuntimeStatus = "Failed",
                Output = ErasureStatusDocument.Element(new RequestValidationException(errors).Message),
                Errors = errors,
                CreatedTime = DateTime.UtcNow,
                LastUpdatedTime = DateTime.UtcNow,
                Request = source,
            };
            await new ErasureOutputs(account).WriteResultAsync(new ResultWrite(blobName, document), cancellationToken);
            return new IntakeResult(IntakeOutcome.Rejected, null, errors);
        }
        try
        {
            await client.ScheduleNewOrchestrationInstanceAsync(TaskNames.ErasureOrchestrator, new ErasureInput { Request = request, Source = source, Jobs = Jobs },
                new StartOrchestrationOptions(id), cancellationToken);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // A concurrent delivery of the same blob may have started it first.
            if (await client.GetInstanceAsync(id, CancellationToken.None) is null)
                throw;
            return new IntakeResult(IntakeOutcome.AlreadyStarted, id, Array.Empty<FieldError>(), e.Message);
        }
        return new IntakeResult(IntakeOutcome.Started, id, Array.Empty<FieldError>());
    }

    /// <summary>True when erasure-results/{blob} already answers this instance (its history may have been purged since).</summary>
    private async Task<bool> ResultNamesAsync(string blobName, string instanceId, CancellationToken cancellationToken)
    {
        var existing = await CreateOnlyBlobs.TryDownloadAsync(account.Container(StorageNames.Results).GetBlobClient(blobName), cancellationToken);
        if (existing is null)
            return false;
        try
        {
            using var document = JsonDocument.Parse(existing.ToMemory());
            return document.RootElement.TryGetProperty("instanceId", out var id) && id.ValueKind == JsonValueKind.String && id.GetString() == instanceId;
        }
        catch (JsonException)
        {
            return false;
        }
    }
}

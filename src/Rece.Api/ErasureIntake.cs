using System.Text.Json;
using Azure.Storage.Blobs.Models;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;
using Rece.Orchestration;
using Rece.Orchestration.Requests;
using Rece.Storage;

namespace Rece.Api;

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
    public async Task<(PipelineRequest? Request, IReadOnlyList<FieldError> Errors)> ValidateAsync(
        string json,
        CancellationToken cancellationToken = default
    )
    {
        // The parser reads strings with JsonElement.GetString, which throws (a 500) on an escaped lone surrogate such
        // as "\ud800"; such text is refused here first, by field, as the parser would refuse anything else.
        if (BrokenUnicode(json) is { } broken)
            return (null, new[] { broken });
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
        if (
            request.Output is { Length: > 0 } output
            && await new ErasureOutputs(account).PublisherOfAsync(output, cancellationToken) is { } publisher
        )
            return (
                null,
                new[]
                {
                    new FieldError(
                        "output",
                        $"{StorageNames.Results}/{output}/ already holds the outputs of instance {publisher}; choose another output prefix, or purge that instance with ?deleteOutputs=true first"
                    ),
                }
            );
        var models = account.Container(StorageNames.Models);
        await foreach (
            var _ in models.GetBlobsAsync(
                new GetBlobsOptions { Prefix = request.Model.TrimEnd('/') + "/" },
                cancellationToken
            )
        )
            return (request, Array.Empty<FieldError>());
        return (
            null,
            new[]
            {
                new FieldError(
                    "model",
                    $"the models container has no folder \"{request.Model}/\"; upload the diffusers model to {StorageNames.Models}/{request.Model}/ first"
                ),
            }
        );
    }

    /// <summary>The first property name or string value of the document that is not valid UTF-16 (an escaped lone
    /// surrogate); null when there is none or the text is not JSON (the parser says so).</summary>
    private static FieldError? BrokenUnicode(string json)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(
                json,
                new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true }
            );
        }
        catch (JsonException)
        {
            return null;
        }
        using (document)
            return Walk(document.RootElement, "$");

        static FieldError? Walk(JsonElement element, string path)
        {
            switch (element.ValueKind)
            {
                case JsonValueKind.String:
                    return Readable(() => element.GetString(), path);
                case JsonValueKind.Array:
                    int index = 0;
                    foreach (var item in element.EnumerateArray())
                    {
                        if (Walk(item, $"{path}[{index++}]") is { } inner)
                            return inner;
                    }
                    return null;
                case JsonValueKind.Object:
                    foreach (var property in element.EnumerateObject())
                    {
                        if (
                            (
                                Readable(() => property.Name, path)
                                ?? Walk(property.Value, path == "$" ? property.Name : $"{path}.{property.Name}")
                            ) is
                            { } inner
                        )
                            return inner;
                    }
                    return null;
                default:
                    return null;
            }
        }

        static FieldError? Readable(Func<string?> read, string path)
        {
            try
            {
                _ = read();
                return null;
            }
            catch (InvalidOperationException)
            {
                return new FieldError(
                    path,
                    "holds an escaped lone surrogate (e.g. \\ud800): the text is not valid Unicode"
                );
            }
        }
    }

    public async Task<IntakeResult> StartFromHttpAsync(
        DurableTaskClient client,
        string body,
        CancellationToken cancellationToken = default
    )
    {
        var (request, errors) = await ValidateAsync(body, cancellationToken);
        if (request is null)
            return new IntakeResult(IntakeOutcome.Rejected, null, errors);
        string id = InstanceIds.New();
        await client.ScheduleNewOrchestrationInstanceAsync(
            TaskNames.ErasureOrchestrator,
            new ErasureInput { Request = request, Jobs = Jobs },
            new StartOrchestrationOptions(id),
            cancellationToken
        );
        return new IntakeResult(IntakeOutcome.Started, id, Array.Empty<FieldError>());
    }

    /// <summary>The longest request blob read; a larger one is refused from its listed size, unread.</summary>
    public const int MaxRequestBytes = BoundedBody.MaxBytes;

    private static readonly System.Text.UTF8Encoding StrictUtf8 = new(false, true);

    /// <summary>Longest request blob name (the result document takes the same name in erasure-results/).</summary>
    public const int MaxBlobNameLength = 512;

    /// <summary>
    /// Starts the request blob an event or trigger names; a blob deleted or replaced since is ignored (its own event
    /// follows). The name and size are checked before any content is read: <paramref name="announcedLength"/> (an Event
    /// Grid event's contentLength) refuses a large blob without a single request, otherwise the blob's properties do.
    /// </summary>
    public async Task<IntakeResult> StartFromBlobNameAsync(
        DurableTaskClient client,
        string blobName,
        long? announcedLength = null,
        CancellationToken cancellationToken = default
    )
    {
        if (NameRefusal(blobName) is { } refused)
            return refused;
        if (announcedLength is > MaxRequestBytes)
            return await RefuseTooLargeAsync(blobName, announcedLength.Value, etag: null, cancellationToken);
        var blob = account.Container(StorageNames.Requests).GetBlobClient(blobName);
        BlobProperties properties;
        try
        {
            properties = (await blob.GetPropertiesAsync(cancellationToken: cancellationToken)).Value;
        }
        catch (Azure.RequestFailedException e) when (e.Status == 404)
        {
            return Gone(blobName);
        }
        return await StartFromListedBlobAsync(
            client,
            blobName,
            properties.ContentLength,
            properties.ETag,
            cancellationToken
        );
    }

    /// <summary>
    /// Starts a request blob known from a listing (name, size and ETag): a name that is not a request and a blob over
    /// <see cref="MaxRequestBytes"/> are settled from that alone; otherwise exactly the listed version is read (a blob
    /// replaced since is left to the next listing), and never more than the cap of it.
    /// </summary>
    public async Task<IntakeResult> StartFromListedBlobAsync(
        DurableTaskClient client,
        string blobName,
        long length,
        Azure.ETag etag,
        CancellationToken cancellationToken = default
    )
    {
        if (NameRefusal(blobName) is { } refused)
            return refused;
        if (length > MaxRequestBytes)
            return await RefuseTooLargeAsync(blobName, length, etag.ToString(), cancellationToken);
        var blob = account.Container(StorageNames.Requests).GetBlobClient(blobName);
        byte[]? bytes;
        try
        {
            var download = await blob.DownloadStreamingAsync(
                new BlobDownloadOptions { Conditions = new BlobRequestConditions { IfMatch = etag } },
                cancellationToken
            );
            await using var stream = download.Value.Content;
            bytes = await BoundedBody.ReadAsync(stream, MaxRequestBytes, cancellationToken);
        }
        catch (Azure.RequestFailedException e) when (e.Status == 404)
        {
            return Gone(blobName);
        }
        catch (Azure.RequestFailedException e) when (e.Status == 412)
        {
            return new IntakeResult(
                IntakeOutcome.Ignored,
                null,
                Array.Empty<FieldError>(),
                $"{StorageNames.Requests}/{blobName} changed since it was listed; its new version is taken next"
            );
        }
        // The ETag pins the version, so this only happens when the listing understated the size.
        if (bytes is null)
            return await RefuseTooLargeAsync(blobName, length, etag.ToString(), cancellationToken);
        return await StartFromBlobAsync(
            client,
            blobName,
            BinaryData.FromBytes(bytes),
            etag.ToString(),
            cancellationToken
        );
    }

    public async Task<IntakeResult> StartFromBlobAsync(
        DurableTaskClient client,
        string blobName,
        BinaryData content,
        string? etag,
        CancellationToken cancellationToken = default
    )
    {
        if (NameRefusal(blobName) is { } refused)
            return refused;
        if (content.ToMemory().Length > MaxRequestBytes)
            return await RefuseTooLargeAsync(blobName, content.ToMemory().Length, etag, cancellationToken);
        string id = InstanceIds.ForBlob(blobName, content.ToMemory().Span);
        var source = new RequestSource
        {
            Kind = "blob",
            Blob = blobName,
            ETag = etag,
            ResultBlob = blobName,
        };
        if (
            await client.GetInstanceAsync(id, cancellationToken) is not null
            || await ResultNamesAsync(blobName, id, cancellationToken)
        )
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
            return await RejectAsync(blobName, source, errors, cancellationToken);
        try
        {
            await client.ScheduleNewOrchestrationInstanceAsync(
                TaskNames.ErasureOrchestrator,
                new ErasureInput
                {
                    Request = request,
                    Source = source,
                    Jobs = Jobs,
                },
                new StartOrchestrationOptions(id),
                cancellationToken
            );
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

    /// <summary>
    /// Why a blob name cannot be a request's: the result document is written under the same name, so a name with "."
    /// or ".." segments (which URLs resolve away: "../checkpoints/x" would climb out of erasure-results/), empty
    /// segments, backslashes or control characters is refused. Null when the name is fine.
    /// </summary>
    public static string? BlobNameProblem(string blobName)
    {
        if (blobName.Length is 0 or > MaxBlobNameLength)
            return $"the name must be 1 to {MaxBlobNameLength} characters";
        if (blobName.Any(c => char.IsControl(c) || c == '\\'))
            return "the name holds a control character or a backslash";
        try
        {
            _ = StrictUtf8.GetByteCount(blobName);
        }
        catch (System.Text.EncoderFallbackException)
        {
            return "the name is not valid Unicode (a lone surrogate)";
        }
        foreach (var segment in blobName.Split('/'))
        {
            if (segment is "" or "." or ".." || segment.EndsWith('.'))
                return "the name has an empty, \".\" or \"..\" segment or one ending in \".\"";
        }
        return null;
    }

    /// <summary>Not a request (ignored, as before), or a name no result document may take (ignored and said so; nothing
    /// is written).</summary>
    private static IntakeResult? NameRefusal(string blobName)
    {
        if (BlobNameProblem(blobName) is { } problem)
            return new IntakeResult(
                IntakeOutcome.Ignored,
                null,
                Array.Empty<FieldError>(),
                $"{StorageNames.Requests}/{Printable(blobName)}: {problem}; left alone, no result written"
            );
        if (!blobName.EndsWith(".json", StringComparison.OrdinalIgnoreCase))
            return new IntakeResult(
                IntakeOutcome.Ignored,
                null,
                Array.Empty<FieldError>(),
                $"{StorageNames.Requests}/{blobName} is not a .json request; left alone"
            );
        return null;
    }

    private static string Printable(string name) => Rece.Core.UserText.Printable(name, MaxBlobNameLength);

    private static IntakeResult Gone(string blobName) =>
        new(
            IntakeOutcome.Ignored,
            null,
            Array.Empty<FieldError>(),
            $"{StorageNames.Requests}/{blobName} no longer exists"
        );

    private Task<IntakeResult> RefuseTooLargeAsync(
        string blobName,
        long length,
        string? etag,
        CancellationToken cancellationToken
    ) =>
        RejectAsync(
            blobName,
            new RequestSource
            {
                Kind = "blob",
                Blob = blobName,
                ETag = etag,
                ResultBlob = blobName,
            },
            new[]
            {
                new FieldError(
                    "$",
                    $"the request blob is {length} bytes; a request is a small JSON document of at most {MaxRequestBytes} bytes (1 MiB), so it was not read"
                ),
            },
            cancellationToken
        );

    /// <summary>A refused request blob gets a Failed result document of the same name in erasure-results/ (the blob
    /// itself is left as it was).</summary>
    private async Task<IntakeResult> RejectAsync(
        string blobName,
        RequestSource source,
        IReadOnlyList<FieldError> errors,
        CancellationToken cancellationToken
    )
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

    /// <summary>True when erasure-results/{blob} already answers this instance (its history may have been purged
    /// since).</summary>
    private async Task<bool> ResultNamesAsync(string blobName, string instanceId, CancellationToken cancellationToken)
    {
        var existing = await CreateOnlyBlobs.TryDownloadAsync(
            account.Container(StorageNames.Results).GetBlobClient(blobName),
            cancellationToken
        );
        if (existing is null)
            return false;
        try
        {
            using var document = JsonDocument.Parse(existing.ToMemory());
            return document.RootElement.TryGetProperty("instanceId", out var id)
                && id.ValueKind == JsonValueKind.String
                && id.GetString() == instanceId;
        }
        catch (JsonException)
        {
            return false;
        }
    }
}

using System.Globalization;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.DurableTask.Client;
using Rece.Orchestration;
using Rece.Orchestration.Jobs;
using Rece.Orchestration.Requests;
using Rece.Storage;

namespace Rece.Api;

/// <summary>
/// The HTTP API over any Durable client (the Functions binding's or <see cref="TaskHubDurableClient"/>): every status
/// comes from the task hub's own instance state. Handlers return typed results, which describe each endpoint's
/// responses for OpenAPI: minimal-API endpoints (<see cref="ErasureEndpoints"/>) return them as they are, binding the
/// route and query values by name; the Functions app reads the same values from its request and wraps the results.
/// Every refusal is a problem document (application/problem+json); a bad request or query value names its field
/// under "errors".
/// </summary>
public sealed class ErasureApi(StorageAccount account, ErasureIntake intake)
{
    public const string Route = "erasures";
    public const string ContinuationHeader = "x-ms-continuation-token";
    private const int RetryAfterSeconds = 2;

    /// <summary>POST /api/erasures: the body (at most <see cref="BoundedBody.MaxBytes"/>) is the request.</summary>
    public async Task<Results<Accepted<ErasureLinks>, ProblemHttpResult>> StartAsync(
        HttpRequest request,
        DurableTaskClient client,
        CancellationToken cancellationToken = default
    )
    {
        if (request.ContentLength is > BoundedBody.MaxBytes)
            return TooLarge("An erasure request");
        var bytes = await BoundedBody.ReadAsync(request.Body, BoundedBody.MaxBytes, cancellationToken);
        if (bytes is null)
            return TooLarge("An erasure request");
        string body;
        using (var reader = new StreamReader(new MemoryStream(bytes)))
            body = await reader.ReadToEndAsync(cancellationToken);
        var result = await intake.StartFromHttpAsync(client, body, cancellationToken);
        if (result.Outcome == IntakeOutcome.Rejected)
            return Invalid(result.Errors);
        var links = Links(request, result.InstanceId!);
        request.HttpContext.Response.Headers.RetryAfter = RetryAfterSeconds.ToString(CultureInfo.InvariantCulture);
        return TypedResults.Accepted(links.StatusQueryGetUri, links);
    }

    /// <summary>GET /api/erasures/{id}: 200 when finished, else 202 with Location and Retry-After.</summary>
    public async Task<Results<Ok<ErasureStatusDocument>, Accepted<ErasureStatusDocument>, ProblemHttpResult>> GetAsync(
        HttpRequest request,
        DurableTaskClient client,
        string id,
        CancellationToken cancellationToken = default
    )
    {
        var metadata = await client.GetInstanceAsync(id, getInputsAndOutputs: true, cancellationToken);
        if (metadata is null)
            return NotFound(id);
        var document = ToDocument(metadata, withData: true);
        if (metadata.IsCompleted)
            return TypedResults.Ok(document);
        request.HttpContext.Response.Headers.RetryAfter = RetryAfterSeconds.ToString(CultureInfo.InvariantCulture);
        return TypedResults.Accepted(StatusUri(request, id), document);
    }

    /// <summary>
    /// GET /api/erasures?runtimeStatus=Running,Completed&amp;createdTimeFrom=..&amp;createdTimeTo=..
    /// &amp;top=N&amp;continuationToken=..
    /// </summary>
    public async Task<Results<Ok<ErasureList>, ProblemHttpResult>> ListAsync(
        HttpRequest request,
        DurableTaskClient client,
        ErasureListQuery query,
        CancellationToken cancellationToken = default
    )
    {
        var (filter, errors) = query.Filter();
        if (filter is null)
            return Invalid(errors);
        var pages = client.GetAllInstancesAsync(filter).AsPages(filter.ContinuationToken, filter.PageSize);
        await foreach (var page in pages.WithCancellation(cancellationToken))
        {
            var instances = page
                .Values.Where(m => m.Name == TaskNames.ErasureOrchestrator)
                .Select(m => ToDocument(m, withData: false))
                .ToList();
            if (page.ContinuationToken is not null)
                request.HttpContext.Response.Headers[ContinuationHeader] = page.ContinuationToken;
            return TypedResults.Ok(new ErasureList(instances, page.ContinuationToken));
        }
        return TypedResults.Ok(new ErasureList(Array.Empty<ErasureStatusDocument>(), null));
    }

    /// <summary>POST /api/erasures/{id}/terminate?reason=..: a blob request's result document says
    /// Terminated.</summary>
    /// <param name="reason">The query's reason; null: "terminated by request".</param>
    public async Task<Results<Accepted, ProblemHttpResult>> TerminateAsync(
        HttpRequest request,
        DurableTaskClient client,
        string id,
        string? reason,
        CancellationToken cancellationToken = default
    )
    {
        var metadata = await client.GetInstanceAsync(id, getInputsAndOutputs: true, cancellationToken);
        if (metadata is null)
            return NotFound(id);
        if (metadata.IsCompleted)
            return Problem(
                StatusCodes.Status410Gone,
                "Already finished",
                $"Instance {id} is {metadata.RuntimeStatus}; only a running instance can be terminated."
            );
        reason ??= "terminated by request";
        await client.TerminateInstanceAsync(id, reason, cancellationToken);
        var input = ReadInput(metadata);
        if (input?.Source.ResultBlob is { } blob)
        {
            var document = ToDocument(metadata, withData: true) with
            {
                RuntimeStatus = "Terminated",
                Output = ErasureStatusDocument.Element(reason),
                LastUpdatedTime = DateTime.UtcNow,
                Request = input.Source,
            };
            await new ErasureOutputs(account).WriteResultAsync(new ResultWrite(blob, document), cancellationToken);
        }
        return TypedResults.Accepted(StatusUri(request, id));
    }

    /// <summary>DELETE /api/erasures/{id}[?deleteOutputs=true]: purges the history; checkpoints and reports stay unless
    /// asked.</summary>
    /// <param name="deleteOutputs">The query's value as given: "true" or "false" (any case), or null.</param>
    public async Task<Results<Ok<PurgeResult>, ProblemHttpResult>> PurgeAsync(
        DurableTaskClient client,
        string id,
        string? deleteOutputs,
        CancellationToken cancellationToken = default
    )
    {
        var metadata = await client.GetInstanceAsync(id, getInputsAndOutputs: true, cancellationToken);
        if (metadata is null)
            return NotFound(id);
        if (!metadata.IsCompleted)
            return Problem(
                StatusCodes.Status409Conflict,
                "Still running",
                $"Instance {id} is {metadata.RuntimeStatus}; terminate it first (POST .../terminate), then purge it."
            );
        bool delete = false;
        if (deleteOutputs is not null && !bool.TryParse(deleteOutputs, out delete))
            return Invalid([new FieldError("deleteOutputs", $"must be true or false, got \"{deleteOutputs}\"")]);
        var purged = await client.PurgeInstanceAsync(id, cancellation: cancellationToken);
        var outputPrefix = ReadInput(metadata)?.Request.Output;
        int outputs = delete
            ? await new ErasureOutputs(account).DeleteOutputsAsync(id, outputPrefix, cancellationToken)
            : 0;
        return TypedResults.Ok(new PurgeResult(purged.PurgedInstanceCount, outputs));
    }

    /// <summary>POST /api/erasures/{id}/events/{eventName}: raises an event with the JSON body (the Durable
    /// sendEventPostUri).</summary>
    /// <remarks>
    /// The names the pipeline raises itself (<see cref="PipelineEvents.IsInternal"/>) are refused before anything else:
    /// the orchestrator takes a GPU job's result from its event, so this route must not be a way to forge one.
    /// </remarks>
    public async Task<Results<Accepted, ProblemHttpResult>> RaiseEventAsync(
        HttpRequest request,
        DurableTaskClient client,
        string id,
        string eventName,
        CancellationToken cancellationToken = default
    )
    {
        if (EventNameProblem(eventName) is { } problem)
            return Invalid([new FieldError("eventName", problem)]);
        if (PipelineEvents.IsInternal(eventName))
            return Problem(
                StatusCodes.Status403Forbidden,
                "Reserved event name",
                $"\"{eventName}\" is an event the pipeline raises itself (names starting "
                    + $"{string.Join(", ", PipelineEvents.InternalPrefixes)}); "
                    + "only GPU workers deliver those, never this route."
            );
        if (request.ContentLength is > BoundedBody.MaxBytes)
            return TooLarge("An event body");
        var metadata = await client.GetInstanceAsync(id, cancellationToken);
        if (metadata is null)
            return NotFound(id);
        if (metadata.IsCompleted)
            return Problem(
                StatusCodes.Status410Gone,
                "Already finished",
                $"Instance {id} is {metadata.RuntimeStatus}; it takes no more events."
            );
        var bytes = await BoundedBody.ReadAsync(request.Body, BoundedBody.MaxBytes, cancellationToken);
        if (bytes is null)
            return TooLarge("An event body");
        JsonElement? payload = null;
        try
        {
            using var document = JsonDocument.Parse(bytes);
            payload = document.RootElement.Clone();
        }
        catch (JsonException e)
        {
            return Invalid([new FieldError("$", $"the event body must be JSON ({e.Message})")]);
        }
        await client.RaiseEventAsync(id, eventName, payload, cancellationToken);
        return TypedResults.Accepted((string?)null);
    }

    public static ErasureInput? ReadInput(OrchestrationMetadata metadata)
    {
        try
        {
            return metadata.SerializedInput is null
                ? null
                : PipelineJson.Deserialize<ErasureInput>(metadata.SerializedInput);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    public static ErasureStatusDocument ToDocument(OrchestrationMetadata metadata, bool withData)
    {
        JsonElement? Parse(string? json)
        {
            if (string.IsNullOrEmpty(json))
                return null;
            try
            {
                using var document = JsonDocument.Parse(json);
                return document.RootElement.Clone();
            }
            catch (JsonException)
            {
                return ErasureStatusDocument.Element(json);
            }
        }
        var output =
            metadata.RuntimeStatus == OrchestrationRuntimeStatus.Failed
                ? ErasureStatusDocument.Element(
                    metadata.FailureDetails?.ErrorMessage ?? metadata.SerializedOutput ?? "failed"
                )
            : withData ? Parse(metadata.SerializedOutput)
            : null;
        return new ErasureStatusDocument
        {
            Name = metadata.Name,
            InstanceId = metadata.InstanceId,
            RuntimeStatus = metadata.RuntimeStatus.ToString(),
            Input = withData ? Parse(metadata.SerializedInput) : null,
            CustomStatus = Parse(metadata.SerializedCustomStatus),
            Output = output,
            CreatedTime = metadata.CreatedAt.UtcDateTime,
            LastUpdatedTime = metadata.LastUpdatedAt.UtcDateTime,
        };
    }

    public static ErasureLinks Links(HttpRequest request, string id)
    {
        string status = StatusUri(request, id);
        return new ErasureLinks(
            id,
            status,
            status + "/events/{eventName}",
            status + "/terminate?reason={text}",
            status
        );
    }

    /// <summary>Absolute URL of an instance, built from the request (works under the Functions host's /api prefix and
    /// behind a path base).</summary>
    public static string StatusUri(HttpRequest request, string id)
    {
        string path = request.PathBase + request.Path;
        int at = path.IndexOf("/" + Route, StringComparison.Ordinal);
        string root = at >= 0 ? path[..(at + Route.Length + 1)] : "/api/" + Route;
        return $"{request.Scheme}://{request.Host}{root}/{Uri.EscapeDataString(id)}";
    }

    /// <summary>400 naming each field: the refusal of a bad request body, query value or event name.</summary>
    public static ProblemHttpResult Invalid(IReadOnlyList<FieldError> errors) =>
        TypedResults.Problem(
            title: "Invalid erasure request",
            detail: string.Join("; ", errors.Select(e => e.ToString())),
            statusCode: StatusCodes.Status400BadRequest,
            extensions: new Dictionary<string, object?>
            {
                ["errors"] = errors.Select(e => new { field = e.Field, message = e.Message }).ToList(),
            }
        );

    /// <summary>Event names: the Durable contract puts no bound on them, the task hub stores each in its
    /// history.</summary>
    public const int MaxEventNameLength = 128;

    /// <summary>Why an event name is not acceptable on the public route; null when it is.</summary>
    public static string? EventNameProblem(string eventName)
    {
        if (eventName.Length is 0 or > MaxEventNameLength)
            return $"must be 1 to {MaxEventNameLength} characters, got {eventName.Length}";
        foreach (char c in eventName)
        {
            if (!(char.IsAsciiLetterOrDigit(c) || c is '.' or '-' or '_'))
                return "may hold only ASCII letters, digits, '.', '-' and '_'";
        }
        return null;
    }

    private static ProblemHttpResult TooLarge(string what) =>
        Problem(
            StatusCodes.Status413PayloadTooLarge,
            "Request too large",
            $"{what} is a small JSON document (at most {BoundedBody.MaxBytes / 1024 / 1024} MiB)."
        );

    private static ProblemHttpResult NotFound(string id) =>
        Problem(StatusCodes.Status404NotFound, "No such instance", $"The task hub has no erasure instance \"{id}\".");

    private static ProblemHttpResult Problem(int status, string title, string detail) =>
        TypedResults.Problem(title: title, detail: detail, statusCode: status);
}

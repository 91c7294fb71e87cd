using System.Globalization;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.DurableTask.Client;
using Rece.Orchestration;
using Rece.Orchestration.Jobs;
using Rece.Orchestration.Requests;
using Rece.Storage;

namespace Rece.Api;

/// <summary>
/// The HTTP API over any Durable client (the Functions binding's or <see cref="TaskHubDurableClient"/>): every status comes
/// from the task hub's own instance state. Handlers return <see cref="IResult"/>: minimal-API endpoints return them as
/// they are; the Functions app wraps them.
/// </summary>
public sealed class ErasureApi(StorageAccount account, ErasureIntake intake)
{
    public const string Route = "erasures";
    public const string ContinuationHeader = "x-ms-continuation-token";
    private const int RetryAfterSeconds = 2;

    public async Task<IResult> StartAsync(HttpRequest request, DurableTaskClient client, CancellationToken cancellationToken = default)
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
        return new WithLocation(Results.Json(links, PipelineJson.Options, statusCode: StatusCodes.Status202Accepted), links.StatusQueryGetUri);
    }

    public async Task<IResult> GetAsync(HttpRequest request, DurableTaskClient client, string id, CancellationToken cancellationToken = default)
    {
        var metadata = await client.GetInstanceAsync(id, getInputsAndOutputs: true, cancellationToken);
        if (metadata is null)
            return NotFound(id);
        var document = ToDocument(metadata, withData: true);
        if (metadata.IsCompleted)
            return Results.Json(document, PipelineJson.Options, statusCode: StatusCodes.Status200OK);
        request.HttpContext.Response.Headers.RetryAfter = RetryAfterSeconds.ToString(CultureInfo.InvariantCulture);
        return new WithLocation(Results.Json(document, PipelineJson.Options, statusCode: StatusCodes.Status202Accepted), StatusUri(request, id));
    }

    /// <summary>GET /api/erasures?runtimeStatus=Running,Completed&amp;createdTimeFrom=..&amp;createdTimeTo=..&amp;top=N&amp;continuationToken=..</summary>
    public async Task<IResult> ListAsync(HttpRequest request, DurableTaskClient client, CancellationToken cancellationToken = default)
    {
        var query = request.Query;
        var errors = new List<FieldError>();
        var statuses = new List<OrchestrationRuntimeStatus>();
        foreach (var value in query["runtimeStatus"].SelectMany(v => (v ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)))
        {
            if (Enum.TryParse<OrchestrationRuntimeStatus>(value, ignoreCase: true, out var status) && !int.TryParse(value, out _))
                statuses.Add(status);
            else
                errors.Add(new FieldError("runtimeStatus", $"unknown status \"{value}\"; use Pending, Running, Completed, Failed, Terminated or Suspended (comma-separated)"));
        }
        DateTimeOffset? Time(string name)
        {
            string? value = query[name];
            if (string.IsNullOrEmpty(value))
                return null;
            if (DateTimeOffset.TryParse(value, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var time))
                return time;
            errors.Add(new FieldError(name, $"\"{value}\" is not a date and time; use ISO 8601, e.g. 2026-01-31T12:00:00Z"));
            return null;
        }
        var from = Time("createdTimeFrom");
        var to = Time("createdTimeTo");
        int top = 100;
        if (query["top"].FirstOrDefault() is { Length: > 0 } topText && (!int.TryParse(topText, out top) || top is < 1 or > 1000))
            errors.Add(new FieldError("top", $"must be a whole number within 1..1000, got \"{topText}\""));
        if (errors.Count > 0)
            return Invalid(errors);
        string? continuation = query["continuationToken"].FirstOrDefault() ?? request.Headers[ContinuationHeader].FirstOrDefault();
        var filter = new OrchestrationQuery(from, to, statuses.Count > 0 ? statuses : null, null, null, top, false, string.IsNullOrEmpty(continuation) ? null : continuation);
        await foreach (var page in client.GetAllInstancesAsync(filter).AsPages(filter.ContinuationToken, top).WithCancellation(cancellationToken))
        {
            var list = new ErasureList(page.Values.Where(m => m.Name == TaskNames.ErasureOrchestrator).Select(m => ToDocument(m, withData: false)).ToList(), page.ContinuationToken);
            if (page.ContinuationToken is not null)
                request.HttpContext.Response.Headers[ContinuationHeader] = page.ContinuationToken;
            return Results.Json(list, PipelineJson.Options);
        }
        return Results.Json(new ErasureList(Array.Empty<ErasureStatusDocument>(), null), PipelineJson.Options);
    }

    /// <summary>POST /api/erasures/{id}/terminate?reason=..: a blob request's result document says Terminated.</summary>
    public async Task<IResult> TerminateAsync(HttpRequest request, DurableTaskClient client, string id, CancellationToken cancellationToken = default)
    {
        var metadata = await client.GetInstanceAsync(id, getInputsAndOutputs: true, cancellationToken);
        if (metadata is null)
            return NotFound(id);
        if (metadata.IsCompleted)
            return Problem(StatusCodes.Status410Gone, "Already finished", $"Instance {id} is {metadata.RuntimeStatus}; only a running instance can be terminated.");
        string reason = request.Query["reason"].FirstOrDefault() ?? "terminated by request";
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
        return Results.Accepted(StatusUri(request, id));
    }

    /// <summary>DELETE /api/erasures/{id}[?deleteOutputs=true]: purges the history; checkpoints and reports stay unless asked.</summary>
    public async Task<IResult> PurgeAsync(HttpRequest request, DurableTaskClient client, string id, CancellationToken cancellationToken = default)
    {
        var metadata = await client.GetInstanceAsync(id, getInputsAndOutputs: true, cancellationToken);
        if (metadata is null)
            return NotFound(id);
        if (!metadata.IsCompleted)
            return Problem(StatusCodes.Status409Conflict, "Still running", $"Instance {id} is {metadata.RuntimeStatus}; terminate it first (POST .../terminate), then purge it.");
        string? deleteText = request.Query["deleteOutputs"].FirstOrDefault();
        if (deleteText is not null && !bool.TryParse(deleteText, out _))
            return Invalid(new[] { new FieldError("deleteOutputs", $"must be true or false, got \"{deleteText}\"") });
        bool deleteOutputs = deleteText is not null && bool.Parse(deleteText);
        var purged = await client.PurgeInstanceAsync(id, cancellation: cancellationToken);
        int outputs = deleteOutputs ? await new ErasureOutputs(account).DeleteOutputsAsync(id, ReadInput(metadata)?.Request.Output, cancellationToken) : 0;
        return Results.Json(new { instancesDeleted = purged.PurgedInstanceCount, outputBlobsDeleted = outputs }, PipelineJson.Options);
    }

    /// <summary>POST /api/erasures/{id}/events/{eventName}: raises an event with the JSON body (the Durable sendEventPostUri).</summary>
    /// <remarks>
    /// The names the pipeline raises itself (<see cref="PipelineEvents.IsInternal"/>) are refused before anything else:
    /// the orchestrator takes a GPU job's result from its event, so this route must not be a way to forge one.
    /// </remarks>
    public async Task<IResult> RaiseEventAsync(HttpRequest request, DurableTaskClient client, string id, string eventName, CancellationToken cancellationToken = default)
    {
        if (EventNameProblem(eventName) is { } problem)
            return Invalid(new[] { new FieldError("eventName", problem) });
        if (PipelineEvents.IsInternal(eventName))
            return Problem(StatusCodes.Status403Forbidden, "Reserved event name",
                $"\"{eventName}\" is an event the pipeline raises itself (names starting {string.Join(", ", PipelineEvents.InternalPrefixes)}); only GPU workers deliver those, never this route.");
        if (request.ContentLength is > BoundedBody.MaxBytes)
            return TooLarge("An event body");
        var metadata = await client.GetInstanceAsync(id, cancellationToken);
        if (metadata is null)
            return NotFound(id);
        if (metadata.IsCompleted)
            return Problem(StatusCodes.Status410Gone, "Already finished", $"Instance {id} is {metadata.RuntimeStatus}; it takes no more events.");
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
            return Invalid(new[] { new FieldError("$", $"the event body must be JSON ({e.Message})") });
        }
        await client.RaiseEventAsync(id, eventName, payload, cancellationToken);
        return Results.Accepted();
    }

    public static ErasureInput? ReadInput(OrchestrationMetadata metadata)
    {
        try
        {
            return metadata.SerializedInput is null ? null : PipelineJson.Deserialize<ErasureInput>(metadata.SerializedInput);
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
        var output = metadata.RuntimeStatus == OrchestrationRuntimeStatus.Failed
            ? ErasureStatusDocument.Element(metadata.FailureDetails?.ErrorMessage ?? metadata.SerializedOutput ?? "failed")
            : withData ? Parse(metadata.SerializedOutput) : null;
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
        return new ErasureLinks(id, status, status + "/events/{eventName}", status + "/terminate?reason={text}", status);
    }

    /// <summary>Absolute URL of an instance, built from the request (works under the Functions host's /api prefix and behind a path base).</summary>
    public static string StatusUri(HttpRequest request, string id)
    {
        string path = request.PathBase + request.Path;
        int at = path.IndexOf("/" + Route, StringComparison.Ordinal);
        string root = at >= 0 ? path[..(at + Route.Length + 1)] : "/api/" + Route;
        return $"{request.Scheme}://{request.Host}{root}/{Uri.EscapeDataString(id)}";
    }

    public static IResult Invalid(IReadOnlyList<FieldError> errors) =>
        Results.Problem(
            title: "Invalid erasure request",
            detail: string.Join("; ", errors.Select(e => e.ToString())),
            statusCode: StatusCodes.Status400BadRequest,
            extensions: new Dictionary<string, object?> { ["errors"] = errors.Select(e => new { field = e.Field, message = e.Message }).ToList() });

    /// <summary>Event names: the Durable contract puts no bound on them, the task hub stores each in its history.</summary>
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

    private static IResult TooLarge(string what) =>
        Problem(StatusCodes.Status413PayloadTooLarge, "Request too large", $"{what} is a small JSON document (at most {BoundedBody.MaxBytes / 1024 / 1024} MiB).");

    private static IResult NotFound(string id) => Problem(StatusCodes.Status404NotFound, "No such instance", $"The task hub has no erasure instance \"{id}\".");

    private static IResult Problem(int status, string title, string detail) => Results.Problem(title: title, detail: detail, statusCode: status);

    /// <summary>Adds a Location header to a result.</summary>
    private sealed class WithLocation(IResult inner, string location) : IResult
    {
        public Task ExecuteAsync(HttpContext httpContext)
        {
            httpContext.Response.Headers.Location = location;
            return inner.ExecuteAsync(httpContext);
        }
    }
}

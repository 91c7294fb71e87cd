using System.Globalization;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.DurableTask.Client;
using Rece.Orchestration.Requests;

namespace Rece.Api;

/// <summary>
/// The filter and paging of GET /api/erasures, bound by name from the query (and the continuation header): minimal-API
/// endpoints bind it with [AsParameters], the Functions app with <see cref="From"/>. Values stay text so that a bad
/// one is answered with the API's own problem document naming the field (<see cref="Filter"/>), not a bare 400.
/// </summary>
public sealed class ErasureListQuery
{
    public const int DefaultTop = 100;
    public const int MaxTop = 1000;

    /// <summary>Pending, Running, Completed, Failed, Terminated or Suspended: comma-separated or repeated.</summary>
    [FromQuery(Name = "runtimeStatus")]
    public string[]? RuntimeStatus { get; set; }

    /// <summary>ISO 8601, e.g. 2026-01-31T12:00:00Z (UTC when no offset is given).</summary>
    [FromQuery(Name = "createdTimeFrom")]
    public string? CreatedTimeFrom { get; set; }

    [FromQuery(Name = "createdTimeTo")]
    public string? CreatedTimeTo { get; set; }

    /// <summary>Instances per page: 1 to <see cref="MaxTop"/>, default <see cref="DefaultTop"/>.</summary>
    [FromQuery(Name = "top")]
    public string? Top { get; set; }

    [FromQuery(Name = "continuationToken")]
    public string? ContinuationToken { get; set; }

    /// <summary>The continuation token as the Durable contract's header carries it (the query's wins).</summary>
    [FromHeader(Name = ErasureApi.ContinuationHeader)]
    public string? ContinuationHeader { get; set; }

    /// <summary>The same values read from a request, for a host that binds no parameters (the Functions app).</summary>
    public static ErasureListQuery From(HttpRequest request) =>
        new()
        {
            RuntimeStatus = request.Query["runtimeStatus"],
            CreatedTimeFrom = request.Query["createdTimeFrom"],
            CreatedTimeTo = request.Query["createdTimeTo"],
            Top = request.Query["top"],
            ContinuationToken = request.Query["continuationToken"],
            ContinuationHeader = request.Headers[ErasureApi.ContinuationHeader],
        };

    /// <summary>The task hub query these values ask for, or every problem with them, each naming its field.</summary>
    public (OrchestrationQuery? Filter, IReadOnlyList<FieldError> Errors) Filter()
    {
        var errors = new List<FieldError>();
        var statuses = new List<OrchestrationRuntimeStatus>();
        var values = (RuntimeStatus ?? []).SelectMany(v => (v ?? "").Split(',', Trimmed));
        foreach (var value in values)
        {
            if (
                Enum.TryParse<OrchestrationRuntimeStatus>(value, ignoreCase: true, out var status)
                && !int.TryParse(value, out _)
            )
                statuses.Add(status);
            else
                errors.Add(
                    new FieldError(
                        "runtimeStatus",
                        $"unknown status \"{value}\"; use Pending, Running, "
                            + "Completed, Failed, Terminated or Suspended (comma-separated)"
                    )
                );
        }
        var from = Time("createdTimeFrom", CreatedTimeFrom, errors);
        var to = Time("createdTimeTo", CreatedTimeTo, errors);
        int top = DefaultTop;
        if (Top is { Length: > 0 } && (!int.TryParse(Top, out top) || top is < 1 or > MaxTop))
            errors.Add(new FieldError("top", $"must be a whole number within 1..{MaxTop}, got \"{Top}\""));
        if (errors.Count > 0)
            return (null, errors);
        string? continuation = ContinuationToken ?? ContinuationHeader;
        var filter = new OrchestrationQuery(
            from,
            to,
            statuses.Count > 0 ? statuses : null,
            null,
            null,
            top,
            false,
            string.IsNullOrEmpty(continuation) ? null : continuation
        );
        return (filter, errors);
    }

    private const StringSplitOptions Trimmed = StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries;

    private static DateTimeOffset? Time(string name, string? value, List<FieldError> errors)
    {
        if (string.IsNullOrEmpty(value))
            return null;
        if (DateTimeOffset.TryParse(value, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var time))
            return time;
        errors.Add(
            new FieldError(name, $"\"{value}\" is not a date and time; use ISO 8601, e.g. 2026-01-31T12:00:00Z")
        );
        return null;
    }
}

using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Routing;
using Microsoft.DurableTask.Client;

namespace Rece.Api;

/// <summary>
/// The API as ASP.NET Core minimal-API endpoints (`rece serve`); the Functions app routes the same paths to the same
/// handlers. Route and query values are bound by name; each endpoint is described for OpenAPI by its typed results, and
/// its refusals (problem documents, whose status the result type does not carry) by <c>ProducesProblem</c>.
/// </summary>
public static class ErasureEndpoints
{
    public static IEndpointRouteBuilder MapErasureApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/" + ErasureApi.Route).WithTags("Erasures");
        group
            .MapPost("", (HttpRequest request, ErasureApi api, DurableTaskClient client, CancellationToken token) =>
                api.StartAsync(request, client, token)
            )
            .WithName("StartErasure")
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge);
        group
            .MapGet(
                "",
                (
                    HttpRequest request,
                    [AsParameters] ErasureListQuery query,
                    ErasureApi api,
                    DurableTaskClient client,
                    CancellationToken token
                ) => api.ListAsync(request, client, query, token)
            )
            .WithName("ListErasures")
            .ProducesProblem(StatusCodes.Status400BadRequest);
        group
            .MapGet(
                "{id}",
                (HttpRequest request, string id, ErasureApi api, DurableTaskClient client, CancellationToken token) =>
                    api.GetAsync(request, client, id, token)
            )
            .WithName("GetErasure")
            .ProducesProblem(StatusCodes.Status404NotFound);
        group
            .MapPost(
                "{id}/terminate",
                (
                    HttpRequest request,
                    string id,
                    [FromQuery] string? reason,
                    ErasureApi api,
                    DurableTaskClient client,
                    CancellationToken token
                ) => api.TerminateAsync(request, client, id, reason, token)
            )
            .WithName("TerminateErasure")
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status410Gone);
        group
            .MapDelete(
                "{id}",
                (
                    string id,
                    [FromQuery] string? deleteOutputs,
                    ErasureApi api,
                    DurableTaskClient client,
                    CancellationToken token
                ) => api.PurgeAsync(client, id, deleteOutputs, token)
            )
            .WithName("PurgeErasure")
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict);
        group
            .MapPost(
                "{id}/events/{eventName}",
                (
                    HttpRequest request,
                    string id,
                    string eventName,
                    ErasureApi api,
                    DurableTaskClient client,
                    CancellationToken token
                ) => api.RaiseEventAsync(request, client, id, eventName, token)
            )
            .WithName("RaiseErasureEvent")
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status403Forbidden)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status410Gone)
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge);
        return app;
    }
}

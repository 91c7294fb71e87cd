using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.DurableTask.Client;

namespace Rece.Api;

/// <summary>The API as ASP.NET Core minimal-API endpoints (`rece serve`); the Functions app routes the same paths to the same handlers.</summary>
public static class ErasureEndpoints
{
    public static IEndpointRouteBuilder MapErasureApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/" + ErasureApi.Route);
        group.MapPost("", (HttpRequest r, ErasureApi api, DurableTaskClient c, CancellationToken t) => api.StartAsync(r, c, t));
        group.MapGet("", (HttpRequest r, ErasureApi api, DurableTaskClient c, CancellationToken t) => api.ListAsync(r, c, t));
        group.MapGet("{id}", (HttpRequest r, string id, ErasureApi api, DurableTaskClient c, CancellationToken t) => api.GetAsync(r, c, id, t));
        group.MapPost("{id}/terminate", (HttpRequest r, string id, ErasureApi api, DurableTaskClient c, CancellationToken t) => api.TerminateAsync(r, c, id, t));
        group.MapDelete("{id}", (HttpRequest r, string id, ErasureApi api, DurableTaskClient c, CancellationToken t) => api.PurgeAsync(r, c, id, t));
        group.MapPost("{id}/events/{eventName}", (HttpRequest r, string id, string eventName, ErasureApi api, DurableTaskClient c, CancellationToken t) => api.RaiseEventAsync(r, c, id, eventName, t));
        return app;
    }
}

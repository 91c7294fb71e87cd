using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask.Client;
using Rece.Api;

namespace Rece.Functions;

/// <summary>
/// The HTTP API (routes under the host's /api prefix): each function hands the request, and the route and query values
/// the minimal-API endpoints bind by name (read here from the request), to <see cref="ErasureApi"/>.
/// </summary>
public sealed class HttpFunctions(ErasureApi api)
{
    [Function(nameof(StartErasure))]
    public async Task<IActionResult> StartErasure(
        [HttpTrigger(AuthorizationLevel.Function, "post", Route = "erasures")] HttpRequest request,
        [DurableClient] DurableTaskClient client
    ) => new ResultAction(await api.StartAsync(request, client, request.HttpContext.RequestAborted));

    [Function(nameof(GetErasure))]
    public async Task<IActionResult> GetErasure(
        [HttpTrigger(AuthorizationLevel.Function, "get", Route = "erasures/{id}")] HttpRequest request,
        [DurableClient] DurableTaskClient client,
        string id
    ) => new ResultAction(await api.GetAsync(request, client, id, request.HttpContext.RequestAborted));

    [Function(nameof(ListErasures))]
    public async Task<IActionResult> ListErasures(
        [HttpTrigger(AuthorizationLevel.Function, "get", Route = "erasures")] HttpRequest request,
        [DurableClient] DurableTaskClient client
    ) =>
        new ResultAction(
            await api.ListAsync(request, client, ErasureListQuery.From(request), request.HttpContext.RequestAborted)
        );

    [Function(nameof(TerminateErasure))]
    public async Task<IActionResult> TerminateErasure(
        [HttpTrigger(AuthorizationLevel.Function, "post", Route = "erasures/{id}/terminate")] HttpRequest request,
        [DurableClient] DurableTaskClient client,
        string id
    ) =>
        new ResultAction(
            await api.TerminateAsync(request, client, id, request.Query["reason"], request.HttpContext.RequestAborted)
        );

    [Function(nameof(PurgeErasure))]
    public async Task<IActionResult> PurgeErasure(
        [HttpTrigger(AuthorizationLevel.Function, "delete", Route = "erasures/{id}")] HttpRequest request,
        [DurableClient] DurableTaskClient client,
        string id
    ) =>
        new ResultAction(
            await api.PurgeAsync(client, id, request.Query["deleteOutputs"], request.HttpContext.RequestAborted)
        );

    /// <summary>The Durable contract's sendEventPostUri.</summary>
    [Function(nameof(RaiseErasureEvent))]
    public async Task<IActionResult> RaiseErasureEvent(
        [HttpTrigger(AuthorizationLevel.Function, "post", Route = "erasures/{id}/events/{eventName}")]
            HttpRequest request,
        [DurableClient] DurableTaskClient client,
        string id,
        string eventName
    ) =>
        new ResultAction(await api.RaiseEventAsync(request, client, id, eventName, request.HttpContext.RequestAborted));

    /// <summary>Runs a minimal-API result inside the Functions ASP.NET Core integration.</summary>
    internal sealed class ResultAction(IResult result) : IActionResult
    {
        public IResult Result { get; } = result;

        public Task ExecuteResultAsync(ActionContext context) => Result.ExecuteAsync(context.HttpContext);
    }
}

using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Mvc.ApiExplorer;
using Microsoft.AspNetCore.Routing;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.DependencyInjection;

namespace Rece.Api.Tests;

/// <summary>The endpoints as an OpenAPI generator sees them (ApiExplorer): typed results, problems, bound
/// values.</summary>
public class EndpointDescriptionTests
{
    private static async Task<Dictionary<string, ApiDescription>> DescribeAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Services.AddEndpointsApiExplorer();
        // Only described, never called: the handlers' services need to be known, not made.
        builder.Services.AddSingleton<ErasureApi>(_ => throw new InvalidOperationException("not called"));
        builder.Services.AddSingleton<DurableTaskClient>(_ => throw new InvalidOperationException("not called"));
        await using var app = builder.Build();
        app.MapErasureApi();
        // Started (on a port of its own), so the endpoints are routed as when serving.
        app.Urls.Add("http://127.0.0.1:0");
        await app.StartAsync();
        var descriptions = app
            .Services.GetRequiredService<IApiDescriptionGroupCollectionProvider>()
            .ApiDescriptionGroups.Items.SelectMany(g => g.Items)
            .ToDictionary(d =>
                d.ActionDescriptor.EndpointMetadata.OfType<IEndpointNameMetadata>().Single().EndpointName
            );
        await app.StopAsync();
        return descriptions;
    }

    private static string Responses(ApiDescription description) =>
        string.Join(
            ", ",
            description
                .SupportedResponseTypes.OrderBy(r => r.StatusCode)
                .Select(r =>
                    $"{r.StatusCode} {r.Type?.Name} {string.Join("|", r.ApiResponseFormats.Select(f => f.MediaType))}"
                )
                .Select(r => r.TrimEnd())
        );

    private static string Parameters(ApiDescription description) =>
        string.Join(", ", description.ParameterDescriptions.Select(p => $"{p.Source.Id}:{p.Name}"));

    [Fact]
    public async Task EachEndpointDescribesItsResponsesByTheirTypedResults()
    {
        var endpoints = await DescribeAsync();

        Assert.Equal(
            ["GetErasure", "ListErasures", "PurgeErasure", "RaiseErasureEvent", "StartErasure", "TerminateErasure"],
            endpoints.Keys.Order()
        );
        const string Problem = "ProblemDetails application/problem+json";
        Assert.Equal(
            $"202 ErasureLinks application/json, 400 {Problem}, 413 {Problem}",
            Responses(endpoints["StartErasure"])
        );
        Assert.Equal(
            $"200 ErasureStatusDocument application/json, 202 ErasureStatusDocument application/json, 404 {Problem}",
            Responses(endpoints["GetErasure"])
        );
        Assert.Equal($"200 ErasureList application/json, 400 {Problem}", Responses(endpoints["ListErasures"]));
        Assert.Equal($"202 Void, 404 {Problem}, 410 {Problem}", Responses(endpoints["TerminateErasure"]));
        Assert.Equal(
            $"200 PurgeResult application/json, 400 {Problem}, 404 {Problem}, 409 {Problem}",
            Responses(endpoints["PurgeErasure"])
        );
        Assert.Equal(
            $"202 Void, 400 {Problem}, 403 {Problem}, 404 {Problem}, 410 {Problem}, 413 {Problem}",
            Responses(endpoints["RaiseErasureEvent"])
        );
    }

    [Fact]
    public async Task RouteAndQueryValuesAreBoundByName()
    {
        var endpoints = await DescribeAsync();

        Assert.Equal(
            "Query:runtimeStatus, Query:createdTimeFrom, Query:createdTimeTo, Query:top, Query:continuationToken, "
                + $"Header:{ErasureApi.ContinuationHeader}",
            Parameters(endpoints["ListErasures"])
        );
        Assert.Equal("Path:id", Parameters(endpoints["GetErasure"]));
        Assert.Equal("Path:id, Query:reason", Parameters(endpoints["TerminateErasure"]));
        Assert.Equal("Path:id, Query:deleteOutputs", Parameters(endpoints["PurgeErasure"]));
        Assert.Equal("Path:id, Path:eventName", Parameters(endpoints["RaiseErasureEvent"]));
        Assert.Equal("", Parameters(endpoints["StartErasure"]));
    }
}

using System.Globalization;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.DurableTask.Client;
using Rece.Orchestration;
using Rece.Orchestration.Jobs;
using Rece.Orchestration.Requests;
using Rece.Storage;

namespace Rece.Api;

/// <summary>A page of GET /api/erasures.</summary>
public sealed record ErasureList(
    [property: System.Text.Json.Serialization.JsonPropertyName("instances")] IReadOnlyList<ErasureStatusDocument> Instances,
    [property: System.Text.Json.Serialization.JsonPropertyName("continuationToken")] string? ContinuationToken);

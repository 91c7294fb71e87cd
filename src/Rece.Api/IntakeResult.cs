using System.Text.Json;
using Azure.Storage.Blobs.Models;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;
using Rece.Orchestration;
using Rece.Orchestration.Requests;
using Rece.Storage;

namespace Rece.Api;

public sealed record IntakeResult(IntakeOutcome Outcome, string? InstanceId, IReadOnlyList<FieldError> Errors, string? Note = null);

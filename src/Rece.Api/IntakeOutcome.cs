using System.Text.Json;
using Azure.Storage.Blobs.Models;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;
using Rece.Orchestration;
using Rece.Orchestration.Requests;
using Rece.Storage;

namespace Rece.Api;

/// <summary>What happened to a submitted request.</summary>
public enum IntakeOutcome
{
    Started,
    AlreadyStarted,
    Rejected,
    Ignored,
}

using System.Text.Json;
using System.Text.Json.Serialization;
using Rece.Orchestration.Jobs;
using Rece.Orchestration.Planning;
using Rece.Orchestration.Requests;

namespace Rece.Orchestration;

public static class RunStatus
{
    public const string Completed = "Completed";
    public const string Failed = "Failed";
}

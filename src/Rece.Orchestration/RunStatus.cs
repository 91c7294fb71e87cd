namespace Rece.Orchestration;

public static class RunStatus
{
    public const string Completed = "Completed";
    public const string Failed = "Failed";
}

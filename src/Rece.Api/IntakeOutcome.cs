namespace Rece.Api;

/// <summary>What happened to a submitted request.</summary>
public enum IntakeOutcome
{
    Started,
    AlreadyStarted,
    Rejected,
    Ignored,
}

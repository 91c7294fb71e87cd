namespace Rece.Orchestration.Tests;

/// <summary>What the fake worker does with a job.</summary>
public enum Reply
{
    Succeed,
    SucceedTwice,

    /// <summary>Claimed, then lost (the worker died): the attempt times out.</summary>
    Drop,
    Fail,

    /// <summary>Never claimed: no worker takes it.</summary>
    Unclaimed,

    /// <summary>Waits in the queue for 3 s (behind other jobs), then is claimed and succeeds.</summary>
    QueuedLong,

    /// <summary>Claimed, then failed retryably (the message was dequeued too often).</summary>
    FailRetryable,

    /// <summary>Claimed; a forged success naming another blob arrives first, then the real result.</summary>
    ForgedThenSucceed,
}

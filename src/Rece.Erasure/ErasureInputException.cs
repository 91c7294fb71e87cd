using Rece.Core;

namespace Rece.Erasure;

/// <summary>Input the user can fix: the message names the problem and the fix. Nothing was written when it is
/// thrown.</summary>
public sealed class ErasureInputException(string message) : UserFixableException(message)
{
    /// <summary>A settings record's range check as the user's error, without the " (Parameter 'x')" .NET
    /// appends.</summary>
    public static ErasureInputException From(ArgumentOutOfRangeException e)
    {
        ArgumentNullException.ThrowIfNull(e);
        int suffix = e.Message.IndexOf(" (Parameter '", StringComparison.Ordinal);
        return new ErasureInputException(suffix >= 0 ? e.Message[..suffix] : e.Message);
    }
}

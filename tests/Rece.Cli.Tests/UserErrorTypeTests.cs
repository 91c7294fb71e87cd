using System.Reflection;
using Rece.Core;

namespace Rece.Cli.Tests;

/// <summary>Every exception type the product declares is either an error the user can fix (one base type) or one of the
/// few that are the system's.</summary>
public sealed class UserErrorTypeTests
{
    /// <summary>The system's failures: a retry, a stack trace or a 500 is right for them.</summary>
    private static readonly string[] SystemErrors =
    {
        "ErasureFailedException",
        "ResultWriteException",
        "BlobConflictException",
    };

    [Fact]
    public void EveryOtherExceptionTypeDerivesFromTheUserErrorBase()
    {
        string folder = Path.GetDirectoryName(typeof(ReceCommandLine).Assembly.Location)!;
        var types = Directory
            .GetFiles(folder, "Rece.*.dll")
            .Append(typeof(ReceCommandLine).Assembly.Location)
            .Where(f => !Path.GetFileName(f).Contains(".Tests", StringComparison.Ordinal))
            .Select(Assembly.LoadFrom)
            .SelectMany(a => a.GetTypes())
            .Where(t => typeof(Exception).IsAssignableFrom(t) && !t.IsAbstract)
            .ToList();

        Assert.Contains(types, t => t.Name == "IllPosedErasureException");
        Assert.Contains(types, t => t.Name == "RequestValidationException");
        Assert.Empty(
            types
                .Where(t => !SystemErrors.Contains(t.Name) && !typeof(UserFixableException).IsAssignableFrom(t))
                .Select(t => t.FullName)
        );
        Assert.All(SystemErrors, name => Assert.Contains(types, t => t.Name == name));
    }
}

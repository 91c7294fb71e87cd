namespace Rece.Core.Tests;

public class UserFixableExceptionTests
{
    private sealed class SampleError(string message, Exception? inner = null) : UserFixableException(message, inner);

    [Fact]
    public void TheMessageAndTheCauseAreKept()
    {
        var cause = new FormatException("bad digit");
        var error = new SampleError("--steps must be between 1 and 1000", cause);
        Assert.Equal("--steps must be between 1 and 1000", error.Message);
        Assert.Same(cause, error.InnerException);
        Assert.IsAssignableFrom<Exception>(error);
    }

    [Fact]
    public void TheExitCodeIsTheDocumentedOne() => Assert.Equal(2, UserFixableException.ExitCode);
}

namespace Rece.Core.Tests;

public class UserTextTests
{
    [Fact]
    public void ControlCharactersAreEscapedAndALongValueIsCut()
    {
        Assert.Equal("a\\u0000b", UserText.Printable("a\0b", 10));
        Assert.Equal("abc...", UserText.Printable("abcdef", 3));
        Assert.Equal("abc", UserText.Printable("abc", 3));
    }
}

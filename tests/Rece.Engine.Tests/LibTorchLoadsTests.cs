using static TorchSharp.torch;

namespace Rece.Engine.Tests;

public class LibTorchLoadsTests
{
    [Fact]
    public void NativeLibTorchLoadsAndComputes()
    {
        using var a = tensor(new double[] { 1, 2, 3, 4 }).reshape(2, 2);
        using var b = mm(a, a);
        Assert.Equal(new double[] { 7, 10, 15, 22 }, b.data<double>().ToArray());
    }
}

namespace Rece.Models;

public static class TensorShape
{
    public static string Format(IEnumerable<long> shape) => "[" + string.Join(", ", shape) + "]";
}

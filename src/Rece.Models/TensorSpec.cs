namespace Rece.Models;

/// <summary>A named tensor and the shape a component's config implies for it.</summary>
public sealed record TensorSpec(string Name, long[] Shape)
{
    public long ElementCount => Shape.Aggregate(1L, (a, b) => a * b);

    public override string ToString() => $"{Name} {TensorShape.Format(Shape)}";
}

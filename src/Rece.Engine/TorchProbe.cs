namespace Rece.Engine;
internal static class TorchProbe { }

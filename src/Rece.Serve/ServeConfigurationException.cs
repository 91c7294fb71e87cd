using Rece.Core;

namespace Rece.Serve;

/// <summary>`rece serve` was asked for something unsafe or impossible (e.g. a public address without an API key); the
/// message says what to set.</summary>
public sealed class ServeConfigurationException(string message) : UserFixableException(message);

using Rece.Core;

namespace Rece.Storage;

/// <summary>A storage setting the user can fix; the message names it.</summary>
public sealed class StorageConfigurationException(string message) : UserFixableException(message);

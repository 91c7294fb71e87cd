namespace Rece.Storage;

/// <summary>A create-only blob exists with other content than a retry computed.</summary>
public sealed class BlobConflictException(string message) : Exception(message);

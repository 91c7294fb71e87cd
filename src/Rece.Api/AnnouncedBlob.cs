namespace Rece.Api;

/// <summary>A request blob as an Event Grid BlobCreated event announces it: its name in the request container and, when
/// the event says, its size.</summary>
public sealed record AnnouncedBlob(string Name, long? ContentLength);

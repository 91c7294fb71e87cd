using System.Text;
using System.Text.Json;
using Rece.Storage;

namespace Rece.Api;

/// <summary>
/// Reads the Event Grid messages on the <see cref="StorageNames.RequestEvents"/> queue: Event Grid schema, one event
/// per message (an array is accepted too), delivered as plain JSON or Base64-encoded JSON (both occur, depending on the
/// delivery settings). Only BlobCreated events of blobs in the request container count; anything else is ignored.
/// </summary>
public static class RequestBlobEvents
{
    public const string BlobCreated = "Microsoft.Storage.BlobCreated";

    private const string SubjectPrefix = "/blobServices/default/containers/" + StorageNames.Requests + "/blobs/";

    /// <summary>The request blob names (relative to the request container) that the message announces.</summary>
    /// <exception cref="FormatException">The message is neither JSON nor Base64 of JSON.</exception>
    public static IReadOnlyList<string> RequestBlobNames(string message) =>
        RequestBlobs(message).Select(b => b.Name).ToList();

    /// <summary>The request blobs the message announces, with the size its event gives (data.contentLength), so a blob
    /// too large to be a request is refused unread.</summary>
    /// <exception cref="FormatException">The message is neither JSON nor Base64 of JSON.</exception>
    public static IReadOnlyList<AnnouncedBlob> RequestBlobs(string message)
    {
        using var document = Parse(message);
        var events =
            document.RootElement.ValueKind == JsonValueKind.Array
                ? document.RootElement.EnumerateArray().ToList()
                : new List<JsonElement> { document.RootElement };
        var blobs = new List<AnnouncedBlob>();
        foreach (var e in events)
        {
            if (
                e.ValueKind != JsonValueKind.Object
                || !e.TryGetProperty("eventType", out var type)
                || type.ValueKind != JsonValueKind.String
                || type.GetString() != BlobCreated
                || !e.TryGetProperty("subject", out var subject)
                || subject.ValueKind != JsonValueKind.String
                || subject.GetString() is not { } text
                || !text.StartsWith(SubjectPrefix, StringComparison.Ordinal)
                || text.Length == SubjectPrefix.Length
            )
                continue;
            long? length =
                e.TryGetProperty("data", out var data)
                && data.ValueKind == JsonValueKind.Object
                && data.TryGetProperty("contentLength", out var size)
                && size.ValueKind == JsonValueKind.Number
                && size.TryGetInt64(out long bytes)
                    ? bytes
                    : null;
            blobs.Add(new AnnouncedBlob(text[SubjectPrefix.Length..], length));
        }
        return blobs;
    }

    private static JsonDocument Parse(string message)
    {
        string text = message.TrimStart();
        if (!text.StartsWith('{') && !text.StartsWith('['))
        {
            try
            {
                text = Encoding.UTF8.GetString(Convert.FromBase64String(text.Trim()));
            }
            catch (FormatException)
            {
                throw new FormatException("The message is neither an Event Grid event in JSON nor Base64 of one.");
            }
        }
        try
        {
            return JsonDocument.Parse(text);
        }
        catch (JsonException e)
        {
            throw new FormatException($"The message is not an Event Grid event: {e.Message}");
        }
    }
}

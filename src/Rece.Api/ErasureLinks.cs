namespace Rece.Api;

/// <summary>The 202 body of POST /api/erasures (the Durable HTTP management payload).</summary>
public sealed record ErasureLinks(
    [property: System.Text.Json.Serialization.JsonPropertyName("id")] string Id,
    [property: System.Text.Json.Serialization.JsonPropertyName("statusQueryGetUri")] string StatusQueryGetUri,
    [property: System.Text.Json.Serialization.JsonPropertyName("sendEventPostUri")] string SendEventPostUri,
    [property: System.Text.Json.Serialization.JsonPropertyName("terminatePostUri")] string TerminatePostUri,
    [property: System.Text.Json.Serialization.JsonPropertyName("purgeHistoryDeleteUri")] string PurgeHistoryDeleteUri
);

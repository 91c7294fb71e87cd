using System.Net;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace Rece.Serve;

/// <summary>
/// The API key of `rece serve`. Off loopback the API starts instances that spend GPU time and deletes outputs, so it is
/// only served with a key; with a key set, every request must carry it, loopback included (a key that only counted off
/// loopback would silently stop counting behind a local reverse proxy).
/// </summary>
public static class ApiKeyGuard
{
    public const string Header = "x-rece-key";

    /// <summary>The environment variable `rece serve` reads the key from (preferred to --api-key: a command line is
    /// visible to every local user).</summary>
    public const string Variable = "RECE_API_KEY";

    public const string Option = "--api-key";

    /// <summary>Shorter keys are guessable; 16 characters of a random token is the floor, not the
    /// recommendation.</summary>
    public const int MinKeyLength = 16;

    /// <summary>Refuses a public binding without a key, and a key too short to be one.</summary>
    /// <exception cref="ServeConfigurationException">What to set instead.</exception>
    public static void Validate(string urls, string? apiKey)
    {
        if (Problem(urls, apiKey) is { } problem)
            throw new ServeConfigurationException(problem);
    }

    /// <summary>Why <see cref="Validate"/> would refuse, with what to set instead; null when it would not.</summary>
    public static string? Problem(string urls, string? apiKey)
    {
        if (apiKey is not null && apiKey.Trim().Length < MinKeyLength)
            return $"the API key must be at least {MinKeyLength} characters (e.g. `openssl rand -hex 32`); set {Option} or {Variable}.";
        if (apiKey is null && NonLoopback(urls) is { } url)
            return $"{url} is reachable from other machines and the API has no key; set {Variable} (or pass {Option}) to a secret that clients send as the {Header} header, or listen on 127.0.0.1 only.";
        return null;
    }

    /// <summary>The first URL that binds to something other than loopback (a wildcard, any address, a host name, a unix
    /// socket); null when all are loopback.</summary>
    public static string? NonLoopback(string urls)
    {
        foreach (var url in urls.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (!IsLoopback(url))
                return url;
        }
        return null;
    }

    private static bool IsLoopback(string url)
    {
        BindingAddress address;
        try
        {
            address = BindingAddress.Parse(url);
        }
        catch (FormatException)
        {
            return false;
        }
        if (address.IsUnixPipe || address.IsNamedPipe)
            return false;
        string host = address.Host.Trim('[', ']');
        return string.Equals(host, "localhost", StringComparison.OrdinalIgnoreCase)
            || (IPAddress.TryParse(host, out var ip) && IPAddress.IsLoopback(ip));
    }

    /// <summary>True when <paramref name="presented"/> is the key. Both sides are hashed first so the comparison takes
    /// the same time whatever their lengths.</summary>
    public static bool Matches(string? presented, string apiKey)
    {
        if (presented is null)
            return false;
        var expected = SHA256.HashData(Encoding.UTF8.GetBytes(apiKey));
        var actual = SHA256.HashData(Encoding.UTF8.GetBytes(presented));
        return CryptographicOperations.FixedTimeEquals(expected, actual);
    }

    /// <summary>Answers 401 to every request without the key (a no-op without one: loopback only, see
    /// <see cref="Validate"/>).</summary>
    public static void UseApiKey(this WebApplication app, string? apiKey)
    {
        if (apiKey is null)
            return;
        app.Use(
            async (context, next) =>
            {
                var values = context.Request.Headers[Header];
                if (values.Count == 1 && Matches(values[0], apiKey))
                {
                    await next(context);
                    return;
                }
                context.Response.Headers.WWWAuthenticate = Header;
                await Results
                    .Problem(
                        title: "API key required",
                        detail: values.Count == 0
                            ? $"Send the server's API key in the {Header} header."
                            : $"The {Header} header does not hold the server's API key.",
                        statusCode: StatusCodes.Status401Unauthorized
                    )
                    .ExecuteAsync(context);
            }
        );
    }
}

using Rece.Testing;

namespace Rece.Api.Tests;

/// <summary>
/// Every case of <see cref="RequestFuzzCorpus"/> through POST /api/erasures: a 202 or a clean 4xx problem document,
/// never an exception (a 500 in either host), and a refused request starts nothing.
/// </summary>
[Collection(AzuriteCollection.Name)]
public class RequestFuzzTests(AzuriteFixture azurite)
{
    [Fact]
    public async Task NoGeneratedRequestCausesA500OrStartsAnythingWhenRefused()
    {
        var kit = await ApiTestKit.CreateAsync(azurite);
        var failures = new List<string>();
        int accepted = 0;
        int cases = 0;
        foreach (var (name, json) in RequestFuzzCorpus.Cases())
        {
            cases++;
            try
            {
                var (status, body, contentType) = await kit.StartAsync(json);
                if (status == 202)
                    accepted++;
                else if (
                    status is not (400 or 413)
                    || contentType != "application/problem+json"
                    || body.GetProperty("detail").GetString() is not { Length: > 0 }
                )
                    failures.Add($"{name}: {status} {contentType}");
            }
            catch (Exception e)
            {
                failures.Add($"{name}: {e.GetType().Name}: {e.Message.Split('\n')[0]}");
            }
        }
        Assert.True(cases > 1000, $"only {cases} cases");
        Assert.True(
            failures.Count == 0,
            $"{failures.Count} of {cases} cases failed:\n" + string.Join("\n", failures.Take(40))
        );
        Assert.Equal(accepted, await kit.InstanceCountAsync());
    }
}

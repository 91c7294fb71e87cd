using Azure.Identity;

namespace Rece.Storage.Tests;

public class StorageAccountTests
{
    [Fact]
    public void AConnectionStringIsUsedAsItIs()
    {
        var account = StorageAccount.Parse("UseDevelopmentStorage=true");
        Assert.Equal("UseDevelopmentStorage=true", account.ConnectionString);
        Assert.Null(account.Credential);
        Assert.Equal("devstoreaccount1", account.Blobs.AccountName);
        Assert.DoesNotContain("Key", account.Description);
    }

    [Fact]
    public void AnAccountNameUsesTheAzureEndpointsAndDefaultAzureCredential()
    {
        var account = StorageAccount.Parse("recestore01");
        Assert.Null(account.ConnectionString);
        Assert.IsType<DefaultAzureCredential>(account.Credential);
        Assert.Equal("https://recestore01.blob.core.windows.net/", account.BlobUri!.ToString());
        Assert.Equal("https://recestore01.queue.core.windows.net/", account.QueueUri!.ToString());
        Assert.Equal("https://recestore01.table.core.windows.net/", account.TableUri!.ToString());
        Assert.NotNull(account.ClientProvider());
    }

    [Fact]
    public void ABlobEndpointGivesTheQueueAndTableEndpointsOfTheSameAccount()
    {
        var account = StorageAccount.Parse("https://recestore01.blob.core.usgovcloudapi.net/");
        Assert.Equal("https://recestore01.queue.core.usgovcloudapi.net/", account.QueueUri!.ToString());
        Assert.Equal("https://recestore01.table.core.usgovcloudapi.net/", account.TableUri!.ToString());
    }

    [Theory]
    [InlineData("Not_An_Account!", "neither a connection string")]
    [InlineData("https://example.com/storage", "not a blob endpoint")]
    [InlineData("AccountName=x;Nonsense", "malformed")]
    public void AnythingElseIsRejectedWithWhatToGive(string value, string message) =>
        Assert.Contains(
            message,
            Assert.Throws<StorageConfigurationException>(() => StorageAccount.Parse(value)).Message
        );

    /// <remarks>Which value is given (--hub, else RECE_TASK_HUB) is the hosts' settings' choice:
    /// WorkerHostTests.</remarks>
    [Fact]
    public void TheTaskHubNameIsTheOneGivenElseTheDefault()
    {
        Assert.Equal("other", StorageNames.ResolveTaskHub("other"));
        Assert.Equal("rece", StorageNames.ResolveTaskHub(null));
        Assert.Equal("rece", StorageNames.ResolveTaskHub(" "));
        Assert.Throws<StorageConfigurationException>(() => StorageNames.ResolveTaskHub("no-dashes"));
    }

    [Fact]
    public void BlobPathsSplitAtTheFirstSlash()
    {
        var path = BlobPath.Parse("checkpoints/i/run-0/epoch-1/");
        Assert.Equal(("checkpoints", "i/run-0/epoch-1/"), (path.Container, path.Name));
        Assert.Equal("checkpoints/i/run-0/epoch-1/measures.json", path.Child("measures.json").ToString());
        Assert.Throws<FormatException>(() => BlobPath.Parse("no-slash"));
    }
}

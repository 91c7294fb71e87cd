namespace Rece.Testing;

/// <summary>One Azurite per test assembly (a shared xunit collection fixture); every test takes its own storage
/// account.</summary>
public sealed class AzuriteFixture : IAsyncLifetime
{
    private AzuriteProcess? _azurite;

    public static string RepositoryRoot => AzuriteProcess.RepositoryRoot;

    public async Task InitializeAsync() => _azurite = await AzuriteProcess.StartAsync();

    /// <summary>A connection string for a storage account no other test uses.</summary>
    public string NewAccount() => _azurite!.NewAccount();

    public static int FreePort() => AzuriteProcess.FreePort();

    public async Task DisposeAsync()
    {
        if (_azurite is not null)
            await _azurite.DisposeAsync();
    }
}

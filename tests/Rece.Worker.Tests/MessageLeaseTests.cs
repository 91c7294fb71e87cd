using Rece.Storage;
using Rece.Testing;

namespace Rece.Worker.Tests;

[Collection(AzuriteCollection.Name)]
public class MessageLeaseTests(AzuriteFixture azurite)
{
    [Fact]
    public async Task ALeaseRenewedWhileWorkingKeepsTheMessageHiddenAndDeletesItAfterwards()
    {
        var account = StorageAccount.Parse(azurite.NewAccount());
        await account.EnsureCreatedAsync();
        var queue = account.GpuJobs;
        await queue.SendMessageAsync("job");
        // Renewed every third of it: a stall of two thirds (1.3 s) on a loaded machine would be needed to lose it.
        var visibility = TimeSpan.FromSeconds(2);
        var message = (await queue.ReceiveMessageAsync(visibility)).Value;
        var lease = new MessageLease(queue, message, visibility);
        using var stop = new CancellationTokenSource();
        var renewing = lease.RenewUntilAsync(stop.Token);

        // Over two visibility timeouts of "work": without renewal the message would be visible again after one.
        for (int i = 0; i < 6; i++)
        {
            await Task.Delay(TimeSpan.FromMilliseconds(750));
            Assert.Null((await queue.ReceiveMessageAsync(TimeSpan.FromSeconds(30))).Value);
        }
        stop.Cancel();
        await renewing;
        await lease.DeleteAsync();

        await Task.Delay(visibility + TimeSpan.FromMilliseconds(500));
        Assert.Empty((await queue.PeekMessagesAsync()).Value);
    }
}

using Azure;
using Azure.Storage.Queues.Models;

namespace Rece.Worker;

/// <summary>A leased message: its pop receipt changes with every renewal, so deletes and updates go through
/// here.</summary>
internal sealed class MessageLease(Azure.Storage.Queues.QueueClient queue, QueueMessage message, TimeSpan visibility)
    : IDisposable
{
    private readonly SemaphoreSlim _gate = new(1, 1);

    public void Dispose() => _gate.Dispose();

    private string _popReceipt = message.PopReceipt;

    public async Task RenewUntilAsync(CancellationToken stop)
    {
        while (true)
        {
            try
            {
                await Task.Delay(visibility / 3, stop);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            await _gate.WaitAsync(CancellationToken.None);
            try
            {
                var receipt = await queue.UpdateMessageAsync(
                    message.MessageId,
                    _popReceipt,
                    visibilityTimeout: visibility,
                    cancellationToken: CancellationToken.None
                );
                _popReceipt = receipt.Value.PopReceipt;
            }
            catch (RequestFailedException)
            {
                return; // lost the lease: another worker may take the job; the writes are idempotent
            }
            finally
            {
                _gate.Release();
            }
        }
    }

    public async Task DeleteAsync()
    {
        await _gate.WaitAsync();
        try
        {
            await queue.DeleteMessageAsync(message.MessageId, _popReceipt);
        }
        catch (RequestFailedException e) when (e.Status is 404 or 400)
        {
            // Already deleted by another delivery, or the lease moved on: nothing left to do.
        }
        finally
        {
            _gate.Release();
        }
    }

    public async Task ReleaseWithErrorAsync(string content, TimeSpan delay)
    {
        await _gate.WaitAsync();
        try
        {
            await queue.UpdateMessageAsync(message.MessageId, _popReceipt, content, delay);
        }
        catch (RequestFailedException)
        {
            // The lease was lost; the message reappears anyway.
        }
        finally
        {
            _gate.Release();
        }
    }
}

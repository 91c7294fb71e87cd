using System.Collections.Concurrent;

namespace Rece.Worker;

/// <summary>
/// One dedicated thread for all TorchSharp work of the process. libtorch already spreads each operation over the
/// machine's cores (its intra-op pool); several workers computing at once would only oversubscribe them, and keeping
/// tensor work off the thread pool leaves it free for the hosts' I/O (queues, blobs, HTTP, the Durable dispatchers).
/// A GPU host has one device per process, so serializing the compute costs nothing there either.
/// </summary>
public sealed class ComputeThread : IDisposable
{
    private readonly BlockingCollection<Action> _work = new();
    private readonly Thread _thread;

    public ComputeThread(string name = "rece-compute")
    {
        _thread = new Thread(() =>
        {
            foreach (var item in _work.GetConsumingEnumerable())
                item();
        })
        {
            IsBackground = true,
            Name = name,
        };
        _thread.Start();
    }

    /// <summary>The process-wide instance.</summary>
    public static ComputeThread Shared { get; } = new();

    public Task<T> RunAsync<T>(Func<T> work)
    {
        var completion = new TaskCompletionSource<T>(TaskCreationOptions.RunContinuationsAsynchronously);
        _work.Add(() =>
        {
            try
            {
                completion.SetResult(work());
            }
            catch (Exception e)
            {
                completion.SetException(e);
            }
        });
        return completion.Task;
    }

    public void Dispose() => _work.CompleteAdding();
}

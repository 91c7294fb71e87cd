using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;

namespace Rece.Testing;

/// <summary>
/// Azurite (the Azure Storage emulator, installed into tools/azurite by tools/install-test-dependencies.sh) on
/// 127.0.0.1 with free ports, a temporary --location and --disableTelemetry, stopped by its process id. It declares its
/// own storage accounts (AZURITE_ACCOUNTS) so that each user of it gets a storage account of its own. Used by the tests
/// and the benchmark.
/// </summary>
public sealed class AzuriteProcess : IAsyncDisposable
{
    private readonly List<(string Name, string Key)> _accounts = new();
    private Process? _process;
    private int _next;

    public string Location { get; } =
        Path.Combine(Path.GetTempPath(), "rece-azurite-" + Guid.NewGuid().ToString("N")[..8]);

    public int BlobPort { get; private set; }

    public int QueuePort { get; private set; }

    public int TablePort { get; private set; }

    public StringWriter Log { get; } = new();

    public static string RepositoryRoot
    {
        get
        {
            for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            {
                if (File.Exists(Path.Combine(dir.FullName, "RecePipeline.sln")))
                    return dir.FullName;
            }
            throw new InvalidOperationException($"No RecePipeline.sln above {AppContext.BaseDirectory}.");
        }
    }

    /// <summary>tools/azurite/node_modules/.bin/azurite, as tools/install-test-dependencies.sh installs it (the
    /// README's test command runs it first).</summary>
    public static string Executable
    {
        get
        {
            string local = Path.Combine(RepositoryRoot, "tools", "azurite", "node_modules", ".bin", "azurite");
            return File.Exists(local)
                ? local
                : throw new InvalidOperationException(
                    $"Azurite is not installed at {local}: run `bash tools/install-test-dependencies.sh` (the README's test command does)."
                );
        }
    }

    public static async Task<AzuriteProcess> StartAsync(int accounts = 48)
    {
        var azurite = new AzuriteProcess();
        await azurite.StartProcessAsync(accounts);
        return azurite;
    }

    private async Task StartProcessAsync(int accounts)
    {
        Directory.CreateDirectory(Location);
        for (int i = 0; i < accounts; i++)
            _accounts.Add(($"rece{i:00}", Convert.ToBase64String(RandomNumberGenerator.GetBytes(32))));
        (BlobPort, QueuePort, TablePort) = (FreePort(), FreePort(), FreePort());
        var start = new ProcessStartInfo(Executable)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (
            var arg in new[]
            {
                "--silent",
                "--disableTelemetry",
                "--skipApiVersionCheck",
                "--loose",
                "--location",
                Location,
                "--blobHost",
                "127.0.0.1",
                "--blobPort",
                BlobPort.ToString(),
                "--queueHost",
                "127.0.0.1",
                "--queuePort",
                QueuePort.ToString(),
                "--tableHost",
                "127.0.0.1",
                "--tablePort",
                TablePort.ToString(),
            }
        )
            start.ArgumentList.Add(arg);
        start.Environment["AZURITE_ACCOUNTS"] = string.Join(";", _accounts.Select(a => $"{a.Name}:{a.Key}"));
        _process = Process.Start(start) ?? throw new InvalidOperationException("Azurite did not start.");
        _process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is not null)
                lock (Log)
                    Log.WriteLine(e.Data);
        };
        _process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null)
                lock (Log)
                    Log.WriteLine(e.Data);
        };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
        var clock = Stopwatch.StartNew();
        foreach (int port in new[] { BlobPort, QueuePort, TablePort })
        {
            while (!await Listening(port))
            {
                if (_process.HasExited)
                    throw new InvalidOperationException($"Azurite exited with {_process.ExitCode}: {Log}");
                if (clock.Elapsed > TimeSpan.FromSeconds(60))
                    throw new TimeoutException($"Azurite did not listen on port {port} within 60 s: {Log}");
                await Task.Delay(100);
            }
        }
    }

    /// <summary>A connection string for a storage account no other user of this Azurite has.</summary>
    public string NewAccount()
    {
        int i = Interlocked.Increment(ref _next) - 1;
        if (i >= _accounts.Count)
            throw new InvalidOperationException(
                $"All {_accounts.Count} Azurite accounts are taken; start Azurite with more."
            );
        var (name, key) = _accounts[i];
        return $"DefaultEndpointsProtocol=http;AccountName={name};AccountKey={key};"
            + $"BlobEndpoint=http://127.0.0.1:{BlobPort}/{name};QueueEndpoint=http://127.0.0.1:{QueuePort}/{name};TableEndpoint=http://127.0.0.1:{TablePort}/{name};";
    }

    public ValueTask DisposeAsync()
    {
        if (_process is { HasExited: false })
        {
            using var byId = Process.GetProcessById(_process.Id);
            byId.Kill(entireProcessTree: true);
            byId.WaitForExit(10_000);
        }
        _process?.Dispose();
        try
        {
            Directory.Delete(Location, recursive: true);
        }
        catch (IOException) { }
        return ValueTask.CompletedTask;
    }

    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static async Task<bool> Listening(int port)
    {
        using var client = new TcpClient();
        try
        {
            await client.ConnectAsync(IPAddress.Loopback, port);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }
}

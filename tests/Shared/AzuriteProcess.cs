using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;

namespace Rece.Testing;

/// <summary>
/// Azurite (the Azure Storage emulator, installed by .ci/run into tools/azurite from npm) on 127.0.0.1 with free ports,
/// a temporary --location and --disableTelemetry, stopped by its process id. It declares its own storage accounts
/// (AZURITE_ACCOUNTS) so that each user of it gets a storage account of its own. Used by the tests and the benchmark.
/// </summary>
public sealed class AzuriteProcess : IAsyncDisposable
{
    private readonly List<(string Name, string Key)> _accounts = new();
    private Process? _process;
    private int _next;

    public string Location { get; } = Path.Combine(Path.GetTempPath(), "rece-azurite-" + Guid.NewGuid().ToString("N")[..8]);

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

    /// <summary>
    /// tools/azurite/node_modules/.bin/azurite, installed with `npm ci` from the committed package-lock.json when missing
    /// (once, under a file lock: several test assemblies may start at the same time), so `dotnet test` works on its own.
    /// </summary>
    public static string Executable
    {
        get
        {
            string folder = Path.Combine(RepositoryRoot, "tools", "azurite");
            string local = Path.Combine(folder, "node_modules", ".bin", "azurite");
            if (File.Exists(local))
                return local;
            using (AcquireLock(folder))
            {
                if (File.Exists(local))
                    return local;
                var start = new ProcessStartInfo("npm") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
                foreach (var arg in new[] { "ci", "--prefix", folder, "--no-audit", "--no-fund", "--loglevel=error" })
                    start.ArgumentList.Add(arg);
                Process? npm;
                try
                {
                    npm = Process.Start(start);
                }
                catch (System.ComponentModel.Win32Exception e)
                {
                    throw new InvalidOperationException($"Azurite is not installed at {local} and npm is not available ({e.Message}): install Node.js and run `npm ci --prefix tools/azurite`.", e);
                }
                var output = npm!.StandardError.ReadToEndAsync();
                npm.StandardOutput.ReadToEnd();
                npm.WaitForExit();
                if (npm.ExitCode != 0 || !File.Exists(local))
                    throw new InvalidOperationException($"`npm ci --prefix tools/azurite` failed ({npm.ExitCode}): {output.Result}");
                return local;
            }
        }
    }

    private static FileStream AcquireLock(string folder)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            try
            {
                return new FileStream(Path.Combine(folder, ".install.lock"), FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            }
            catch (IOException) when (clock.Elapsed < TimeSpan.FromMinutes(10))
            {
                Thread.Sleep(500);
            }
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
        foreach (var arg in new[]
        {
            "--silent", "--disableTelemetry", "--skipApiVersionCheck", "--loose", "--location", Location,
            "--blobHost", "127.0.0.1", "--blobPort", BlobPort.ToString(),
            "--queueHost", "127.0.0.1", "--queuePort", QueuePort.ToString(),
            "--tableHost", "127.0.0.1", "--tablePort", TablePort.ToString(),
        })
            start.ArgumentList.Add(arg);
        start.Environment["AZURITE_ACCOUNTS"] = string.Join(";", _accounts.Select(a => $"{a.Name}:{a.Key}"));
        _process = Process.Start(start) ?? throw new InvalidOperationException("Azurite did not start.");
        _process.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (Log) Log.WriteLine(e.Data); };
        _process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (Log) Log.WriteLine(e.Data); };
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
            throw new InvalidOperationException($"All {_accounts.Count} Azurite accounts are taken; start Azurite with more.");
        var (name, key) = _accounts[i];
        return $"DefaultEndpointsProtocol=http;AccountName={name};AccountKey={key};" +
               $"BlobEndpoint=http://127.0.0.1:{BlobPort}/{name};QueueEndpoint=http://127.0.0.1:{QueuePort}/{name};TableEndpoint=http://127.0.0.1:{TablePort}/{name};";
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
        catch (IOException)
        {
        }
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

using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace SyncTools.Core.Tests.Support;

/// <summary>
/// A MongoDB-wire server of the test's own (the project's CongoDB script on a free port), for tests that stop the
/// server under a running job; the shared one serves every other test and must stay up.
/// </summary>
public sealed class PrivateMongoServer : IDisposable
{
    private readonly Process _process;

    private PrivateMongoServer(Process process, int port)
    {
        _process = process;
        // A stopped server is noticed in 5 s, not the driver's default 30 s of server selection; the name keeps this
        // server's client apart from one of an earlier server that had the same port (clients are cached by string).
        ConnectionString = $"mongodb://127.0.0.1:{port}/?directConnection=true&serverMonitoringMode=poll&serverSelectionTimeoutMS=5000&appName=private-{Guid.NewGuid():N}";
    }

    public string ConnectionString { get; }

    public static async Task<PrivateMongoServer> StartAsync()
    {
        int port;
        using (var probe = new TcpListener(IPAddress.Loopback, 0))
        {
            probe.Start();
            port = ((IPEndPoint)probe.LocalEndpoint).Port;
        }

        var services = Path.Combine(TestServices.RepositoryRoot, "tests", "services");
        var start = new ProcessStartInfo("node", Path.Combine(services, "mongo-server.mjs")) { RedirectStandardOutput = true, RedirectStandardError = true };
        start.Environment["PORT"] = port.ToString(System.Globalization.CultureInfo.InvariantCulture);
        start.Environment["CONGODB_INDEX"] = Path.Combine(services, ".deps", "congodb", "smartmongo", "package", "dist_ts", "congodb", "index.js");
        var process = Process.Start(start)!;
        for (var waited = 0; waited < 20_000; waited += 100)
        {
            try
            {
                using var client = new TcpClient();
                await client.ConnectAsync(IPAddress.Loopback, port);
                return new PrivateMongoServer(process, port);
            }
            catch (SocketException)
            {
                await Task.Delay(100);
            }
        }

        process.Kill(entireProcessTree: true);
        throw new TimeoutException($"The private MongoDB-wire server did not listen on {port}: {await process.StandardError.ReadToEndAsync()}");
    }

    /// <summary>Stops the server at once, as a crash would.</summary>
    public void Kill()
    {
        if (!_process.HasExited) _process.Kill(entireProcessTree: true);
        _process.WaitForExit();
    }

    public void Dispose()
    {
        Kill();
        _process.Dispose();
    }
}

using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace SyncTools.Mongo.Tests.Client;

/// <summary>A CongoDB server of a test's own, started from tests/services/mongo-server.mjs, that the test may kill.</summary>
public sealed class OwnMongoServer : IDisposable
{
    private readonly Process _node;

    public OwnMongoServer()
    {
        Port = FreePort();
        var start = new ProcessStartInfo("node", [Path.Combine(TestServices.RepositoryRoot, "tests", "services", "mongo-server.mjs")])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        start.Environment["PORT"] = Port.ToString();
        start.Environment["CONGODB_INDEX"] = Path.Combine(TestServices.NodeModules, "..", "smartmongo", "package", "dist_ts", "congodb", "index.js");
        _node = Process.Start(start)!;
        _node.OutputDataReceived += (_, _) => { };
        _node.ErrorDataReceived += (_, _) => { };
        _node.BeginOutputReadLine();
        _node.BeginErrorReadLine();
        var deadline = DateTime.UtcNow.AddSeconds(15);
        while (!Listening(Port))
        {
            Assert.False(_node.HasExited, $"CongoDB exited with code {(_node.HasExited ? _node.ExitCode : 0)}.");
            Assert.True(DateTime.UtcNow < deadline, "CongoDB did not listen within 15 s.");
            Thread.Sleep(50);
        }
    }

    public int Port { get; }

    public string Uri => $"mongodb://127.0.0.1:{Port}/?directConnection=true&serverSelectionTimeoutMS=3000";

    public void Kill() => _node.Kill(entireProcessTree: true);

    public void Dispose()
    {
        if (!_node.HasExited) Kill();
        _node.Dispose();
    }

    private static bool Listening(int port)
    {
        try
        {
            using var probe = new TcpClient();
            probe.Connect(IPAddress.Loopback, port);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}

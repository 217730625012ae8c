using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using SyncTools.Mongo.Bson;

namespace SyncTools.Mongo.Tests.Client;

/// <summary>A wire server that answers each OP_MSG command with what a test says, to play servers CongoDB is not.</summary>
public sealed class ScriptedServer : IDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly Func<BsonDocument, BsonDocument> _answer;

    public ScriptedServer(Func<BsonDocument, BsonDocument> answer)
    {
        _answer = answer;
        _listener.Start();
        _ = Task.Run(AcceptAsync);
    }

    public List<string> Commands { get; } = new();

    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    public void Dispose() => _listener.Stop();

    private async Task AcceptAsync()
    {
        try
        {
            while (true)
            {
                var client = await _listener.AcceptTcpClientAsync();
                _ = Task.Run(() => ServeAsync(client));
            }
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            // Stopped.
        }
    }

    private async Task ServeAsync(TcpClient client)
    {
        using (client)
        {
            var stream = client.GetStream();
            var header = new byte[16];
            try
            {
                while (true)
                {
                    await stream.ReadExactlyAsync(header);
                    var body = new byte[BinaryPrimitives.ReadInt32LittleEndian(header) - 16];
                    await stream.ReadExactlyAsync(body);
                    var position = 5; // flagBits, then section kind 0
                    var command = BsonSerializer.ReadDocument(body, ref position, 0);
                    lock (Commands) Commands.Add(command.Elements[0].Name);
                    var reply = BsonSerializer.Serialize(_answer(command));
                    var message = new byte[16 + 5 + reply.Length];
                    BinaryPrimitives.WriteInt32LittleEndian(message, message.Length);
                    BinaryPrimitives.WriteInt32LittleEndian(message.AsSpan(8), BinaryPrimitives.ReadInt32LittleEndian(header.AsSpan(4)));
                    BinaryPrimitives.WriteInt32LittleEndian(message.AsSpan(12), 2013);
                    reply.CopyTo(message, 21);
                    await stream.WriteAsync(message);
                }
            }
            catch (Exception e) when (e is IOException or EndOfStreamException or ObjectDisposedException)
            {
                // The client went away.
            }
        }
    }
}

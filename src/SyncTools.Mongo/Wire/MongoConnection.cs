using System.Buffers.Binary;
using System.Net.Security;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using SyncTools.Mongo.Authentication;
using SyncTools.Mongo.Bson;

namespace SyncTools.Mongo.Wire;

/// <summary>One connection to one server: TCP (and TLS), the hello handshake, authentication, and request/reply.</summary>
/// <remarks>Not thread-safe: the pool lends it to one operation at a time. A cancelled or failed exchange breaks it.</remarks>
internal sealed class MongoConnection : IAsyncDisposable
{
    /// <summary>Replies larger than this are taken for garbage rather than allocated.</summary>
    private const int MaxReplySize = 64 * 1024 * 1024;
    private static int _lastRequestId;
    private readonly TcpClient _tcp;
    private readonly Stream _stream;
    private readonly MongoUrl _url;

    private MongoConnection(MongoServerAddress address, TcpClient tcp, Stream stream, MongoUrl url)
    {
        Address = address;
        _tcp = tcp;
        _stream = stream;
        _url = url;
    }

    public MongoServerAddress Address { get; }

    public Hello Hello { get; private set; } = null!;

    public bool IsBroken { get; private set; }

    /// <summary>Connects, shakes hands and authenticates, within the connect timeout.</summary>
    public static async Task<MongoConnection> OpenAsync(MongoServerAddress address, MongoUrl url, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(url.ConnectTimeout);
        var tcp = new TcpClient { NoDelay = true };
        MongoConnection? connection = null;
        try
        {
            await tcp.ConnectAsync(address.Host, address.Port, timeout.Token).ConfigureAwait(false);
            Stream stream = tcp.GetStream();
            if (url.Tls)
            {
                var ssl = new SslStream(stream, leaveInnerStreamOpen: false);
                await ssl.AuthenticateAsClientAsync(new SslClientAuthenticationOptions
                {
                    TargetHost = address.Host,
                    RemoteCertificateValidationCallback = (_, _, _, errors) =>
                        errors == SslPolicyErrors.None
                        || (url.TlsAllowInvalidCertificates && url.TlsAllowInvalidHostnames)
                        || (url.TlsAllowInvalidCertificates && errors == SslPolicyErrors.RemoteCertificateChainErrors)
                        || (url.TlsAllowInvalidHostnames && errors == SslPolicyErrors.RemoteCertificateNameMismatch),
                }, timeout.Token).ConfigureAwait(false);
                stream = ssl;
            }

            connection = new MongoConnection(address, tcp, stream, url);
            connection.Hello = new Hello(await connection.HandshakeAsync(timeout.Token).ConfigureAwait(false));
            await Authenticator.AuthenticateAsync(connection, url, timeout.Token).ConfigureAwait(false);
            return connection;
        }
        catch (Exception e)
        {
            if (connection is not null) await connection.DisposeAsync().ConfigureAwait(false);
            else tcp.Dispose();
            if (e is MongoException || (e is OperationCanceledException && cancellationToken.IsCancellationRequested)) throw;
            var why = e is OperationCanceledException ? $"no answer within {url.ConnectTimeout.TotalSeconds:0.#}s" : e.Message;
            throw new MongoConnectionException($"Cannot connect to MongoDB at {address}: {why}", e);
        }
    }

    /// <summary>Runs a command (its "$db" already set) and returns the reply body.</summary>
    /// <exception cref="MongoCommandException">The server answered ok: 0.</exception>
    public async Task<BsonDocument> RunCommandAsync(BsonDocument command, CancellationToken cancellationToken)
    {
        using var message = new OpMsgBuilder(command, (Hello?.MaxBsonObjectSize ?? 16 * 1024 * 1024) + 16 * 1024);
        return await SendAsync(message, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Sends a built message and returns the reply body, throwing for ok: 0.</summary>
    public async Task<BsonDocument> SendAsync(OpMsgBuilder message, CancellationToken cancellationToken)
    {
        if (IsBroken) throw new MongoConnectionException($"The connection to {Address} is broken.");
        var requestId = Interlocked.Increment(ref _lastRequestId);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        if (_url.SocketTimeout != Timeout.InfiniteTimeSpan) timeout.CancelAfter(_url.SocketTimeout);
        BsonDocument reply;
        try
        {
            await _stream.WriteAsync(message.Finish(requestId), timeout.Token).ConfigureAwait(false);
            reply = OpMsgBuilder.ReadReply(await ReadMessageAsync(timeout.Token).ConfigureAwait(false), requestId);
        }
        catch (Exception e)
        {
            // Whatever was half-sent or half-read, the stream is out of step now.
            IsBroken = true;
            if (e is OperationCanceledException && cancellationToken.IsCancellationRequested) throw;
            if (e is MongoException) throw;
            var why = e is OperationCanceledException ? $"no reply within socketTimeoutMS ({_url.SocketTimeout.TotalSeconds:0.#}s)" : e.Message;
            throw new MongoConnectionException($"The connection to MongoDB at {Address} failed: {why}", e);
        }

        return CheckOk(reply, message.CommandName);
    }

    public async ValueTask DisposeAsync()
    {
        IsBroken = true;
        await _stream.DisposeAsync().ConfigureAwait(false);
        _tcp.Dispose();
    }

    private async Task<byte[]> ReadMessageAsync(CancellationToken cancellationToken)
    {
        var header = new byte[4];
        await _stream.ReadExactlyAsync(header, cancellationToken).ConfigureAwait(false);
        var length = BinaryPrimitives.ReadInt32LittleEndian(header);
        if (length is < 21 or > MaxReplySize) throw new MongoProtocolException($"The server at {Address} sent a message length of {length}, which is not a MongoDB reply.");
        var message = new byte[length];
        header.CopyTo(message, 0);
        await _stream.ReadExactlyAsync(message.AsMemory(4), cancellationToken).ConfigureAwait(false);
        return message;
    }

    private static BsonDocument CheckOk(BsonDocument reply, string command)
    {
        if (reply.GetValue("ok", 0).ToDouble() == 1) return reply;
        var code = reply.GetValue("code", 0) is { IsNumeric: true } c ? (int)c.ToInt64() : 0;
        var codeName = reply.GetValue("codeName", "") is BsonString n ? n.Value : "";
        var errmsg = reply.GetValue("errmsg", "") is BsonString m ? m.Value : reply.ToString();
        var label = codeName.Length > 0 ? $"{code} {codeName}" : $"{code}";
        throw new MongoCommandException($"The MongoDB command '{command}' failed: {errmsg} (code {label}).", code, codeName);
    }

    /// <summary>hello; servers before MongoDB 4.4.2 do not know it and get the legacy isMaster, as drivers do.</summary>
    private async Task<BsonDocument> HandshakeAsync(CancellationToken cancellationToken)
    {
        const int commandNotFound = 59;
        try
        {
            return await RunCommandAsync(HelloCommand(_url, "hello"), cancellationToken).ConfigureAwait(false);
        }
        catch (MongoCommandException e) when (e.Code == commandNotFound)
        {
            return await RunCommandAsync(HelloCommand(_url, "isMaster"), cancellationToken).ConfigureAwait(false);
        }
    }

    private static BsonDocument HelloCommand(MongoUrl url, string name)
    {
        var client = new BsonDocument
        {
            { "driver", new BsonDocument { { "name", "SyncTools.Mongo" }, { "version", typeof(MongoConnection).Assembly.GetName().Version?.ToString(3) ?? "0" } } },
            { "os", new BsonDocument { { "type", OperatingSystem.IsWindows() ? "Windows" : OperatingSystem.IsMacOS() ? "Darwin" : OperatingSystem.IsLinux() ? "Linux" : "unknown" }, { "architecture", RuntimeInformation.OSArchitecture.ToString() } } },
            { "platform", RuntimeInformation.FrameworkDescription },
        };
        if (url.AppName is not null) client.Add("application", new BsonDocument("name", url.AppName));
        return new BsonDocument { { name, 1 }, { "helloOk", true }, { "client", client } }
            .AddIf(url.Username is not null && url.AuthMechanism is null, "saslSupportedMechs", $"{url.AuthSource}.{url.Username}")
            .Add("$db", "admin");
    }
}

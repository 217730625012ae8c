using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using SyncTools.Mongo.Bson;

namespace SyncTools.Mongo.Tests.Client;

/// <summary>Each way a connection can go wrong gives its own clear error, within the configured time.</summary>
public class MongoFailureTests
{
    private static readonly BsonDocument Ping = new("ping", 1);

    private static string LocalPort => new Uri(TestServices.Mongo.Replace("mongodb://", "http://")).Port.ToString();

    [Fact]
    public async Task An_unreachable_host_times_out_naming_the_host()
    {
        var port = OwnMongoServer.FreePort();
        await using var client = new MongoClient($"mongodb://127.0.0.1:{port}/?serverSelectionTimeoutMS=1000&connectTimeoutMS=500");
        var clock = Stopwatch.StartNew();

        var error = await Assert.ThrowsAsync<MongoTimeoutException>(() => client.GetDatabase("db").RunCommandAsync(Ping));

        Assert.InRange(clock.Elapsed, TimeSpan.FromSeconds(0.9), TimeSpan.FromSeconds(5));
        Assert.StartsWith($"No MongoDB server found within 1s (mongodb://127.0.0.1:{port}/", error.Message);
        Assert.Contains($"127.0.0.1:{port} is unreachable", error.Message);
    }

    [Fact]
    public async Task A_server_outside_the_named_replica_set_is_not_used()
    {
        await using var client = new MongoClient($"mongodb://127.0.0.1:{LocalPort}/?replicaSet=rs0&serverSelectionTimeoutMS=3000");

        var error = await Assert.ThrowsAsync<MongoTimeoutException>(() => client.GetDatabase("db").RunCommandAsync(Ping));

        Assert.StartsWith("No primary of replica set 'rs0' found within 3s", error.Message);
        Assert.Contains($"127.0.0.1:{LocalPort} is not a member of replica set 'rs0'", error.Message);
    }

    [Fact]
    public async Task A_server_that_skips_the_SCRAM_proof_is_refused_and_the_password_stays_hidden()
    {
        // CongoDB answers saslStart with done: true and an empty payload, which proves nothing.
        await using var client = new MongoClient($"mongodb://alice:s3cret%40pass@127.0.0.1:{LocalPort}/?directConnection=true&serverSelectionTimeoutMS=2000");

        var error = await Assert.ThrowsAsync<MongoAuthenticationException>(() => client.GetDatabase("db").RunCommandAsync(Ping));

        Assert.StartsWith("The server ended the SCRAM exchange for user 'alice' on database 'admin' (SCRAM-SHA-", error.Message);
        Assert.DoesNotContain("s3cret", error.ToString());
        Assert.DoesNotContain("s3cret", client.ToString());
        Assert.Contains("alice:*****@", client.ToString());
    }

    [Fact]
    public async Task Garbage_from_the_server_is_a_protocol_error_at_once()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        _ = Task.Run(async () =>
        {
            using var socket = await listener.AcceptTcpClientAsync();
            var stream = socket.GetStream();
            await stream.WriteAsync("HTTP/1.1 400 Bad Request\r\n\r\n"u8.ToArray());
            await Task.Delay(5000);
        });
        await using var client = new MongoClient($"mongodb://127.0.0.1:{port}/?serverSelectionTimeoutMS=10000");
        var clock = Stopwatch.StartNew();

        var error = await Assert.ThrowsAsync<MongoProtocolException>(() => client.GetDatabase("db").RunCommandAsync(Ping));

        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(3), $"took {clock.Elapsed}");
        Assert.StartsWith($"The server at 127.0.0.1:{port} sent a message length of ", error.Message);
    }

    [Fact]
    public async Task A_server_that_dies_mid_bulk_write_fails_the_write_and_nothing_hangs()
    {
        using var server = new OwnMongoServer();
        await using var client = new MongoClient(server.Uri);
        var collection = client.GetDatabase("db").GetCollection("items");
        await collection.InsertManyAsync(Enumerable.Range(0, 5000).Select(i => new BsonDocument { { "_id", i }, { "v", 0 } }));
        var upserts = Enumerable.Range(0, 50_000).Select(i => new UpdateOneModel(new BsonDocument("_id", i), new BsonDocument("$set", new BsonDocument("v", 1))) { IsUpsert = true });
        var clock = Stopwatch.StartNew();

        var write = collection.BulkWriteAsync(upserts);
        await Task.Delay(500);
        server.Kill();

        var error = await Assert.ThrowsAnyAsync<MongoConnectionException>(() => write);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), $"took {clock.Elapsed}");
        Assert.Contains($"127.0.0.1:{server.Port}", error.Message);
    }

    [Fact]
    public async Task A_server_older_than_hello_is_greeted_with_isMaster()
    {
        using var server = new ScriptedServer(command => command.Elements[0].Name switch
        {
            "hello" => new BsonDocument { { "ok", 0 }, { "errmsg", "no such command: 'hello'" }, { "code", 59 }, { "codeName", "CommandNotFound" } },
            "isMaster" => new BsonDocument { { "ismaster", true }, { "maxWireVersion", 8 }, { "ok", 1 } },
            _ => new BsonDocument("ok", 1),
        });
        await using var client = new MongoClient($"mongodb://127.0.0.1:{server.Port}/?serverSelectionTimeoutMS=3000");

        await client.GetDatabase("db").RunCommandAsync(Ping);

        Assert.Equal(["hello", "isMaster", "ping"], server.Commands);
    }

    [Fact]
    public async Task A_wrong_password_is_an_authentication_error_naming_user_and_database_but_not_the_password()
    {
        using var server = new ScriptedServer(command => command.Elements[0].Name switch
        {
            "hello" => new BsonDocument { { "isWritablePrimary", true }, { "maxWireVersion", 21 }, { "saslSupportedMechs", new BsonArray { "SCRAM-SHA-256" } }, { "ok", 1 } },
            // A real server-first message extending the client's nonce, then the refusal a real server gives.
            "saslStart" => new BsonDocument
            {
                { "conversationId", 1 }, { "done", false }, { "ok", 1 },
                { "payload", new BsonBinaryData(System.Text.Encoding.UTF8.GetBytes(
                    $"r={ClientNonce(command)}srv,s={Convert.ToBase64String(new byte[16])},i=4096")) },
            },
            _ => new BsonDocument { { "ok", 0 }, { "errmsg", "Authentication failed." }, { "code", 18 }, { "codeName", "AuthenticationFailed" } },
        });
        await using var client = new MongoClient($"mongodb://sync:wr0ng-pass@127.0.0.1:{server.Port}/sales?serverSelectionTimeoutMS=3000");

        var error = await Assert.ThrowsAsync<MongoAuthenticationException>(() => client.GetDatabase("sales").RunCommandAsync(Ping));

        Assert.Equal($"Authentication failed for user 'sync' on database 'sales' (SCRAM-SHA-256) at 127.0.0.1:{server.Port}: check the user name, the password and authSource.", error.Message);
        Assert.DoesNotContain("wr0ng-pass", error.ToString(), StringComparison.Ordinal);
        Assert.Equal(["hello", "saslStart", "saslContinue"], server.Commands);
    }

    private static string ClientNonce(BsonDocument saslStart)
    {
        var first = System.Text.Encoding.UTF8.GetString(saslStart["payload"].AsBsonBinaryData.Bytes);
        return first[(first.IndexOf(",r=", StringComparison.Ordinal) + 3)..];
    }

    [Fact]
    public async Task The_primary_is_found_from_a_secondarys_hint()
    {
        using var primary = new ScriptedServer(command => command.Elements[0].Name == "hello"
            ? new BsonDocument { { "isWritablePrimary", true }, { "setName", "rs0" }, { "maxWireVersion", 21 }, { "ok", 1 } }
            : new BsonDocument { { "ok", 1 }, { "answeredBy", "primary" } });
        using var secondary = new ScriptedServer(command => command.Elements[0].Name == "hello"
            ? new BsonDocument { { "isWritablePrimary", false }, { "secondary", true }, { "setName", "rs0" }, { "primary", $"127.0.0.1:{primary.Port}" }, { "maxWireVersion", 21 }, { "ok", 1 } }
            : new BsonDocument { { "ok", 0 }, { "errmsg", "not primary" }, { "code", 10107 }, { "codeName", "NotWritablePrimary" } });
        await using var client = new MongoClient($"mongodb://127.0.0.1:{secondary.Port}/?replicaSet=rs0&serverSelectionTimeoutMS=3000");

        var reply = await client.GetDatabase("db").RunCommandAsync(Ping);

        Assert.Equal("primary", reply["answeredBy"].AsString);
        Assert.DoesNotContain("ping", secondary.Commands);
    }

    [Theory]
    [InlineData("localhost", "tlsInsecure=true")]
    [InlineData("localhost", "tlsAllowInvalidCertificates=true")]
    [InlineData("127.0.0.1", "tlsAllowInvalidCertificates=true&tlsAllowInvalidHostnames=true")]
    public async Task TLS_connects_when_the_certificate_is_accepted(string host, string options)
    {
        using var proxy = new TlsProxy(int.Parse(LocalPort));
        await using var client = new MongoClient($"mongodb://{host}:{proxy.Port}/?tls=true&{options}&serverSelectionTimeoutMS=5000");

        var reply = await client.GetDatabase("db").RunCommandAsync(Ping);

        Assert.Equal(1, reply["ok"].ToDouble());
    }

    [Theory]
    [InlineData("localhost", "tls=true")]
    [InlineData("127.0.0.1", "tls=true&tlsAllowInvalidCertificates=true")]
    public async Task TLS_refuses_an_untrusted_certificate_or_a_wrong_host_name(string host, string options)
    {
        using var proxy = new TlsProxy(int.Parse(LocalPort));
        // Long enough for a TLS handshake on a loaded machine: the timeout's message carries the last handshake's error.
        await using var client = new MongoClient($"mongodb://{host}:{proxy.Port}/?{options}&serverSelectionTimeoutMS=3000");

        var error = await Assert.ThrowsAsync<MongoTimeoutException>(() => client.GetDatabase("db").RunCommandAsync(Ping));

        Assert.Contains("certificate", error.Message, StringComparison.OrdinalIgnoreCase);
    }

    [Theory]
    [InlineData("mongodb+srv://cluster0.example.net/db", "mongodb+srv:// connection strings need DNS SRV and TXT lookups")]
    [InlineData("postgres://x", "A MongoDB connection string starts with mongodb://.")]
    [InlineData("mongodb://h/?authMechanism=PLAIN", "authMechanism=PLAIN is not supported: this client speaks SCRAM-SHA-256 and SCRAM-SHA-1.")]
    [InlineData("mongodb://h:99999", "The port of 'h:99999' is not a number from 1 to 65535.")]
    [InlineData("mongodb://a,b/?directConnection=true", "directConnection=true names one host, but the connection string lists several.")]
    [InlineData("mongodb://h/?tls=maybe", "tls=maybe is not true or false.")]
    [InlineData("mongodb://u:p%zz@h", "The password in the connection string has a '%' that is not a percent-encoded byte.")]
    public void A_connection_string_that_cannot_be_used_says_why(string uri, string message)
    {
        var error = Assert.Throws<MongoConfigurationException>(() => new MongoUrl(uri));
        Assert.StartsWith(message, error.Message);
        Assert.DoesNotContain("p%zz", error.Message);
    }

    [Fact]
    public void A_connection_string_is_parsed_with_its_options_and_shown_without_its_password()
    {
        var url = new MongoUrl("mongodb://us%40er:p%3Ass@Host1:27018,[::1]:27019/sales?authSource=admin&replicaSet=rs0&tls=true&tlsInsecure=true&appName=sync&connectTimeoutMS=1500&serverSelectionTimeoutMS=2500&socketTimeoutMS=0&maxPoolSize=3&w=majority");

        Assert.Equal([new MongoServerAddress("host1", 27018), new MongoServerAddress("::1", 27019)], url.Hosts);
        Assert.Equal(("us@er", "p:ss", "sales", "admin"), (url.Username, url.Password, url.DatabaseName, url.AuthSource));
        Assert.Equal(("rs0", true, true, true, "sync"), (url.ReplicaSet, url.Tls, url.TlsAllowInvalidCertificates, url.TlsAllowInvalidHostnames, url.AppName));
        Assert.Equal((TimeSpan.FromMilliseconds(1500), TimeSpan.FromMilliseconds(2500), Timeout.InfiniteTimeSpan, 3), (url.ConnectTimeout, url.ServerSelectionTimeout, url.SocketTimeout, url.MaxPoolSize));
        Assert.Equal(["w"], url.IgnoredOptions);
        Assert.Equal("mongodb://us%40er:*****@Host1:27018,[::1]:27019/sales?authSource=admin&replicaSet=rs0&tls=true&tlsInsecure=true&appName=sync&connectTimeoutMS=1500&serverSelectionTimeoutMS=2500&socketTimeoutMS=0&maxPoolSize=3&w=majority", url.ToString());
        Assert.Equal("sales", new MongoUrl("mongodb://u:p@h/sales").AuthSource);
        Assert.Equal("[::1]:27019", url.Hosts[1].ToString());
    }
}

using System.Collections.Concurrent;
using MongoDB.Driver;
using SyncTools.Core.Jobs;

namespace SyncTools.Core.MongoDb;

/// <summary>
/// A MongoDB connection string, checked up front, that never shows its password, and the one long-lived
/// <see cref="MongoClient"/> of the session for it (the driver pools connections and monitors the servers per client).
/// The string goes to the driver as the user gave it: <c>mongodb+srv://</c>, replica sets, TLS and authentication
/// options are the driver's.
/// </summary>
public sealed class MongoEndpoint
{
    /// <summary>The environment variable that supplies the connection string when none is given.</summary>
    public const string EnvironmentVariable = "MONGODB_URI";

    private static readonly ConcurrentDictionary<string, Lazy<MongoClient>> Clients = new(StringComparer.Ordinal);

    private readonly string _connectionString;
    private readonly Range? _password;
    private readonly MongoUrl _url;

    /// <exception cref="SyncToolsException">No connection string (and no MONGODB_URI), or one that cannot be used.</exception>
    public MongoEndpoint(string? connectionString)
    {
        var text = connectionString ?? Environment.GetEnvironmentVariable(EnvironmentVariable);
        if (string.IsNullOrWhiteSpace(text))
        {
            throw new SyncToolsException(
                $"No MongoDB connection string: pass one, or set {EnvironmentVariable}.", JobErrorCategory.InvalidArgument, "MongoConnectionStringMissing");
        }

        _connectionString = text;
        _password = Password(text);
        try
        {
            _url = MongoUrl.Create(text);
        }
        catch (Exception e) when (e is MongoConfigurationException or FormatException or ArgumentException)
        {
            // The driver's message may quote the string; the password must not reach the user through it.
            throw new SyncToolsException($"The MongoDB connection string cannot be used: {Redact(e.Message)}", JobErrorCategory.InvalidArgument, "MongoConnectionStringInvalid");
        }
    }

    /// <summary>The session's client for this connection string, created on first use.</summary>
    public IMongoClient Client => Clients.GetOrAdd(_connectionString, _ => new Lazy<MongoClient>(() => new MongoClient(_url))).Value;

    /// <summary>The database named in the connection string's path, if any.</summary>
    public string? DatabaseName => _url.DatabaseName;

    /// <summary>The servers as the journal names them: "host:port" of each seed in order (a mongodb+srv name as it is), in lower case.</summary>
    public string Server => _url.Scheme == MongoDB.Driver.Core.Configuration.ConnectionStringScheme.MongoDBPlusSrv
        ? _url.Server.Host.ToLowerInvariant()
        : string.Join(",", _url.Servers.Select(s => Status.SyncEndpoint.ServerOf(s.Host, s.Port)));

    /// <summary>A collection on these servers, for the journal: in <paramref name="database"/>, else the connection string's.</summary>
    public Status.SyncEndpoint Endpoint(string? database, string collection) => new(Status.SyncEndpoint.MongoDb, Server, database ?? DatabaseName ?? "", collection);

    /// <summary>Closes every client of the session (when the module is removed).</summary>
    public static void CloseAll()
    {
        foreach (var key in Clients.Keys)
        {
            if (Clients.TryRemove(key, out var client) && client.IsValueCreated) client.Value.Dispose();
        }
    }

    /// <summary>
    /// A write refused because the key is already there: MongoDB's DuplicateKey (11000); some wire-compatible servers
    /// say so only in the message ("E11000 ..."), as MongoDB also does.
    /// </summary>
    public static bool IsDuplicateKey(int code, string? message) => code == 11000 || message?.Contains("E11000", StringComparison.Ordinal) == true;

    /// <summary>Refuses a collection name a sync must not write: empty, holding '$' or NUL, or system.*.</summary>
    /// <exception cref="SyncToolsException">Naming the first such collection.</exception>
    public static void ValidateWritableCollections(params string[] collections)
    {
        foreach (var collection in collections)
        {
            if (string.IsNullOrEmpty(collection) || collection.Contains('\0') || collection.Contains('$') || collection.StartsWith("system.", StringComparison.Ordinal))
            {
                throw new SyncToolsException($"'{collection}' is not a MongoDB collection name a sync may write: non-empty, no '$' or NUL, not system.*.", JobErrorCategory.InvalidArgument, "MongoCollectionInvalid", collection);
            }
        }
    }

    /// <summary>Whether the database holds the collection.</summary>
    public static async Task<bool> CollectionExistsAsync(IMongoDatabase database, string collection, CancellationToken cancellationToken) =>
        await (await database.ListCollectionNamesAsync(new ListCollectionNamesOptions { Filter = new MongoDB.Bson.BsonDocument("name", collection) }, cancellationToken).ConfigureAwait(false))
            .AnyAsync(cancellationToken).ConfigureAwait(false);

    /// <summary>
    /// A clean-up write that must run even when the job was cancelled (recording its end, giving a lock up): it has
    /// 30 s of its own, and its failure is only a warning, "<paramref name="failed"/>: why".
    /// </summary>
    public async Task CleanUpAsync(Func<CancellationToken, Task> step, string failed, string target, IJobReporter reporter)
    {
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            await step(timeout.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (e is MongoException or TimeoutException or OperationCanceledException)
        {
            reporter.Warning($"{failed}: {Translate(e, target).Message}");
        }
    }

    /// <summary>
    /// The server could not be reached or stopped answering: a clean-up write to it now would only wait out another
    /// timeout, so jobs skip recording their end there (and say so once).
    /// </summary>
    public static bool IsUnreachable(Exception exception) =>
        exception is MongoConnectionException or TimeoutException || exception.InnerException is MongoConnectionException or TimeoutException;

    /// <summary>The connection string as given, with its password masked.</summary>
    public override string ToString() => _password is { } at ? _connectionString[..at.Start] + Redaction.Mask + _connectionString[at.End..] : _connectionString;

    /// <summary>Turns what the driver throws into an error that says where, and what to check.</summary>
    public SyncToolsException Translate(Exception exception, string target)
    {
        // A refused login arrives wrapped in the connection error of the connection it was opening.
        for (var inner = exception; inner is not null; inner = inner.InnerException)
        {
            if (inner is MongoAuthenticationException)
            {
                return new($"MongoDB at {this} refused the credentials for {target}: {Redact(inner.Message)} Check the user and password in the connection string (or ${EnvironmentVariable}).",
                    JobErrorCategory.AuthenticationError, "MongoAuthenticationFailed", target, exception);
            }
        }

        var message = Redact(exception.Message);
        return exception switch
        {
            SyncToolsException e => e,
            MongoConnectionException or TimeoutException or MongoConfigurationException => new($"Cannot reach MongoDB at {this} for {target}: {message}", JobErrorCategory.ConnectionError, "MongoUnreachable", target, exception),
            MongoBulkWriteException or MongoWriteException => new($"Writing to {target} failed: {message}", JobErrorCategory.WriteError, "MongoWriteFailed", target, exception),
            MongoCommandException { Code: 13 } => new($"MongoDB at {this} denied {target}: {message}", JobErrorCategory.PermissionDenied, "MongoAccessDenied", target, exception),
            _ => new($"MongoDB at {this} failed for {target}: {message}", JobErrorCategory.NotSpecified, "MongoFailed", target, exception),
        };
    }

    /// <summary>The connection string's password masked wherever <paramref name="text"/> quotes it (as written or unescaped).</summary>
    private string Redact(string text)
    {
        if (_password is not { } at) return text;
        var password = _connectionString[at];
        return text.Replace(password, Redaction.Mask, StringComparison.Ordinal).Replace(Uri.UnescapeDataString(password), Redaction.Mask, StringComparison.Ordinal);
    }

    /// <summary>Where the password is in "scheme://user:password@hosts/...", if there is one.</summary>
    private static Range? Password(string connectionString)
    {
        var start = connectionString.IndexOf("://", StringComparison.Ordinal) + 3;
        if (start < 3) return null;
        var hostsEnd = connectionString.IndexOfAny(['/', '?'], start);
        // A password must escape '/', '?' and '@'; one that does not still ends at the last '@'.
        var at = hostsEnd < 0 ? -1 : connectionString.LastIndexOf('@', hostsEnd);
        if (at < start) at = connectionString.LastIndexOf('@');
        var colon = at < start ? -1 : connectionString.IndexOf(':', start, at - start);
        return colon < 0 || colon + 1 == at ? null : (colon + 1)..at;
    }
}

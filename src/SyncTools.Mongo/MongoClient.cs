using SyncTools.Mongo.Wire;

namespace SyncTools.Mongo;

/// <summary>The entry point, as in MongoDB.Driver: one per connection string, shared, thread-safe, disposable.</summary>
/// <remarks>Connects lazily: the first operation selects the server and opens a connection.</remarks>
public sealed class MongoClient : IAsyncDisposable, IDisposable
{
    public MongoClient(MongoUrl url) => Cluster = new Cluster(url);

    public MongoClient(string connectionString) : this(new MongoUrl(connectionString))
    {
    }

    public MongoUrl Url => Cluster.Url;

    internal Cluster Cluster { get; }

    /// <summary>Lower batch limits than the server's, so tests can see bulk writes split without sending 48 MB.</summary>
    internal (int MaxWriteBatchSize, int MaxMessageSizeBytes)? BatchLimitsForTests { get; init; }

    public MongoDatabase GetDatabase(string name) => new(this, name);

    public ValueTask DisposeAsync() => Cluster.DisposeAsync();

    public void Dispose() => Cluster.DisposeAsync().AsTask().GetAwaiter().GetResult();

    /// <summary>The connection string with its password hidden.</summary>
    public override string ToString() => Url.ToString();
}

using System.Runtime.CompilerServices;
using SyncTools.Mongo.Bson;

namespace SyncTools.Mongo;

/// <summary>
/// The results of find, aggregate or listCollections, streamed batch by batch with getMore. Leaving an
/// <c>await foreach</c> early kills the server-side cursor.
/// </summary>
public sealed class MongoCursor : IAsyncEnumerable<BsonDocument>
{
    private readonly MongoDatabase _database;
    private readonly string? _collection;
    private readonly BsonDocument _command;
    private readonly int? _batchSize;

    internal MongoCursor(MongoDatabase database, string? collection, BsonDocument command, int? batchSize)
    {
        _database = database;
        _collection = collection;
        _command = command;
        _batchSize = batchSize;
    }

    public async Task<List<BsonDocument>> ToListAsync(CancellationToken cancellationToken = default)
    {
        var list = new List<BsonDocument>();
        await foreach (var document in WithCancellation(cancellationToken).ConfigureAwait(false)) list.Add(document);
        return list;
    }

    public async Task<BsonDocument?> FirstOrDefaultAsync(CancellationToken cancellationToken = default)
    {
        await foreach (var document in WithCancellation(cancellationToken).ConfigureAwait(false)) return document;
        return null;
    }

    public ConfiguredCancelableAsyncEnumerable<BsonDocument> WithCancellation(CancellationToken cancellationToken) =>
        ((IAsyncEnumerable<BsonDocument>)this).WithCancellation(cancellationToken);

    public async IAsyncEnumerator<BsonDocument> GetAsyncEnumerator(CancellationToken cancellationToken = default)
    {
        var reply = await _database.RunCommandAsync(_command, cancellationToken).ConfigureAwait(false);
        var cursor = reply["cursor"].AsBsonDocument;
        var id = cursor["id"].ToInt64();
        var collection = _collection ?? cursor["ns"].AsString[(_database.Name.Length + 1)..];
        try
        {
            foreach (var document in cursor["firstBatch"].AsBsonArray) yield return document.AsBsonDocument;
            while (id != 0)
            {
                var more = new BsonDocument { { "getMore", id }, { "collection", collection } }.AddIf(_batchSize is not null, "batchSize", _batchSize ?? 0);
                cursor = (await _database.RunCommandAsync(more, cancellationToken).ConfigureAwait(false))["cursor"].AsBsonDocument;
                id = cursor["id"].ToInt64();
                foreach (var document in cursor["nextBatch"].AsBsonArray) yield return document.AsBsonDocument;
            }
        }
        finally
        {
            if (id != 0) await KillAsync(collection, id).ConfigureAwait(false);
        }
    }

    private async Task KillAsync(string collection, long id)
    {
        // Best effort, and not under the caller's (perhaps cancelled) token: the server also times cursors out.
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        try
        {
            await _database.RunCommandAsync(new BsonDocument { { "killCursors", collection }, { "cursors", new BsonArray { id } } }, timeout.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (e is MongoException or OperationCanceledException)
        {
        }
    }
}

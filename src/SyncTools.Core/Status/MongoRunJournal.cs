using System.Runtime.CompilerServices;
using MongoDB.Bson;
using MongoDB.Driver;
using SyncTools.Core.Jobs;
using SyncTools.Core.MongoDb;

namespace SyncTools.Core.Status;

/// <summary>The run journal as a MongoDB collection (default synctools.sync_journal), shared by every machine that runs jobs.</summary>
public sealed class MongoRunJournal(MongoEndpoint endpoint, string database = "synctools", string collection = "sync_journal") : IRunJournal
{
    public string Location => $"{endpoint} ({database}.{collection})";

    private IMongoCollection<BsonDocument> Collection => endpoint.Client.GetDatabase(database).GetCollection<BsonDocument>(collection);

    public async Task AppendAsync(JournalEntry entry, CancellationToken cancellationToken)
    {
        try
        {
            var counts = new BsonDocument(entry.Counts.Select(c => new BsonElement(c.Key, c.Value)));
            var document = new BsonDocument
            {
                { "_id", entry.RunId.ToString() }, { "job", entry.Job }, { "source", BsonValue.Create(entry.Source) }, { "target", entry.Target }, { "started", entry.Started.UtcDateTime },
                { "finished", entry.Finished.UtcDateTime }, { "status", entry.Status.ToString() }, { "counts", counts }, { "error", BsonValue.Create(entry.Error) },
                { "sourceEndpoint", Document(entry.SourceEndpoint) }, { "targetEndpoint", Document(entry.TargetEndpoint) },
            };
            await Collection.ReplaceOneAsync(new BsonDocument("_id", entry.RunId.ToString()), document, new ReplaceOptions { IsUpsert = true }, cancellationToken)
                .ConfigureAwait(false);
            // Retention: this target's runs past it go, but never its last one (this run).
            await Collection.DeleteManyAsync(new BsonDocument
            {
                { "job", entry.Job }, { "target", entry.Target },
                { "finished", new BsonDocument("$lt", (entry.Finished - RunJournal.Retention).UtcDateTime) },
            }, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is MongoException or TimeoutException)
        {
            throw endpoint.Translate(e, $"{database}.{collection}");
        }
    }

    public async Task<long> RemoveAsync(IReadOnlyCollection<(string Job, string Target)> targets, CancellationToken cancellationToken)
    {
        if (targets.Count == 0) return 0;
        try
        {
            var filter = new BsonDocument("$or", new BsonArray(targets.Select(t => new BsonDocument { { "job", t.Job }, { "target", t.Target } })));
            return (await Collection.DeleteManyAsync(filter, cancellationToken).ConfigureAwait(false)).DeletedCount;
        }
        catch (Exception e) when (e is MongoException or TimeoutException)
        {
            throw endpoint.Translate(e, $"{database}.{collection}");
        }
    }

    public async IAsyncEnumerable<JournalEntry> ReadAsync(IJobReporter reporter, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var cursor = Collection.Find(FilterDefinition<BsonDocument>.Empty).Sort(new BsonDocument("finished", 1)).ToAsyncEnumerable();
        await using var documents = cursor.WithCancellation(cancellationToken).GetAsyncEnumerator();
        while (true)
        {
            try
            {
                if (!await documents.MoveNextAsync()) yield break;
            }
            catch (Exception e) when (e is MongoException or TimeoutException)
            {
                throw endpoint.Translate(e, $"{database}.{collection}");
            }

            var d = documents.Current;
            JournalEntry entry;
            try
            {
                entry = new JournalEntry(
                    Guid.Parse(d["_id"].AsString), d["job"].AsString, d.GetValue("source", BsonNull.Value) is BsonString source ? source.Value : null, d["target"].AsString,
                    new DateTimeOffset(d["started"].ToUniversalTime()), new DateTimeOffset(d["finished"].ToUniversalTime()),
                    Enum.Parse<RunStatus>(d["status"].AsString),
                    d["counts"].AsBsonDocument.Elements.ToDictionary(e => e.Name, e => e.Value.ToInt64()),
                    d.GetValue("error", BsonNull.Value) is BsonString error ? error.Value : null,
                    Endpoint(d.GetValue("sourceEndpoint", BsonNull.Value)), Endpoint(d.GetValue("targetEndpoint", BsonNull.Value)));
            }
            catch (Exception e) when (e is InvalidCastException or KeyNotFoundException or FormatException or ArgumentException)
            {
                reporter.Warning($"The run journal {Location} has an unreadable entry {d.GetValue("_id", BsonNull.Value)}: skipped.");
                continue;
            }

            yield return entry;
        }
    }

    private static BsonValue Document(SyncEndpoint? endpoint) => endpoint is null ? BsonNull.Value : new BsonDocument
    {
        { "kind", endpoint.Kind }, { "server", endpoint.Server }, { "database", endpoint.Database }, { "path", new BsonArray(endpoint.Path) },
    };

    private static SyncEndpoint? Endpoint(BsonValue value) => value is BsonDocument d
        ? new SyncEndpoint(d["kind"].AsString, d["server"].AsString, d["database"].AsString, [.. d["path"].AsBsonArray.Select(p => p.AsString)])
        : null;
}

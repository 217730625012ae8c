using System.Runtime.CompilerServices;
using SyncTools.Core.Jobs;
using SyncTools.Core.MongoDb;
using SyncTools.Mongo;
using SyncTools.Mongo.Bson;

namespace SyncTools.Core.Status;

/// <summary>The run journal as a MongoDB collection (default synctools.sync_journal), shared by every machine that runs jobs.</summary>
public sealed class MongoRunJournal(MongoEndpoint endpoint, string database = "synctools", string collection = "sync_journal") : IRunJournal
{
    public string Location => $"{endpoint} ({database}.{collection})";

    public async Task AppendAsync(JournalEntry entry, CancellationToken cancellationToken)
    {
        await using var client = endpoint.CreateClient();
        try
        {
            var counts = new BsonDocument(entry.Counts.Select(c => new BsonElement(c.Key, c.Value)));
            var document = new BsonDocument
            {
                { "_id", entry.RunId.ToString() }, { "job", entry.Job }, { "source", entry.Source }, { "target", entry.Target }, { "started", entry.Started },
                { "finished", entry.Finished }, { "status", entry.Status.ToString() }, { "counts", counts }, { "error", entry.Error },
            };
            await client.GetDatabase(database).GetCollection(collection)
                .BulkWriteAsync([new ReplaceOneModel(new BsonDocument("_id", entry.RunId.ToString()), document) { IsUpsert = true }], cancellationToken: cancellationToken)
                .ConfigureAwait(false);
        }
        catch (MongoException e)
        {
            throw endpoint.Translate(e, $"{database}.{collection}");
        }
    }

    public async IAsyncEnumerable<JournalEntry> ReadAsync(IJobReporter reporter, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await using var client = endpoint.CreateClient();
        var cursor = client.GetDatabase(database).GetCollection(collection).Find(new BsonDocument(), new FindOptions { Sort = new BsonDocument("finished", 1) });
        await using var documents = cursor.WithCancellation(cancellationToken).GetAsyncEnumerator();
        while (true)
        {
            try
            {
                if (!await documents.MoveNextAsync()) yield break;
            }
            catch (MongoException e)
            {
                throw endpoint.Translate(e, $"{database}.{collection}");
            }

            var d = documents.Current;
            JournalEntry entry;
            try
            {
                entry = new JournalEntry(
                    Guid.Parse(d["_id"].AsString), d["job"].AsString, d.GetValue("source", BsonNull.Value) is BsonString source ? source.Value : null, d["target"].AsString,
                    d["started"].AsBsonDateTime.ToDateTimeOffset(), d["finished"].AsBsonDateTime.ToDateTimeOffset(),
                    Enum.Parse<RunStatus>(d["status"].AsString),
                    d["counts"].AsBsonDocument.Elements.ToDictionary(e => e.Name, e => e.Value.ToInt64()),
                    d.GetValue("error", BsonNull.Value) is BsonString error ? error.Value : null);
            }
            catch (Exception e) when (e is InvalidCastException or KeyNotFoundException or FormatException or ArgumentException)
            {
                reporter.Warning($"The run journal {Location} has an unreadable entry {d.GetValue("_id", BsonNull.Value)}: skipped.");
                continue;
            }

            yield return entry;
        }
    }
}

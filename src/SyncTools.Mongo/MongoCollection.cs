using SyncTools.Mongo.Bson;
using SyncTools.Mongo.Wire;

namespace SyncTools.Mongo;

public sealed class FindOptions
{
    public BsonDocument? Projection { get; init; }

    public BsonDocument? Sort { get; init; }

    public long? Limit { get; init; }

    /// <summary>Documents per batch; the server's default (101 first, then up to 16 MiB) when null.</summary>
    public int? BatchSize { get; init; }
}

public enum ReturnDocument { Before, After }

public sealed class FindOneAndUpdateOptions
{
    public bool IsUpsert { get; init; }

    public ReturnDocument ReturnDocument { get; init; } = ReturnDocument.Before;

    public BsonDocument? Projection { get; init; }

    public BsonDocument? Sort { get; init; }
}

/// <summary>An index to create: its keys ({"field": 1}), and whether it is unique.</summary>
public sealed record CreateIndexModel(BsonDocument Keys, bool Unique = false, string? Name = null)
{
    /// <summary>The name the server would give: "field_1_other_-1".</summary>
    public string IndexName => Name ?? string.Join("_", Keys.Elements.Select(e => $"{e.Name}_{e.Value}"));
}

/// <summary>A collection, named as in MongoDB.Driver's IMongoCollection.</summary>
public sealed class MongoCollection
{
    private const int NamespaceNotFound = 26;

    internal MongoCollection(MongoDatabase database, string name)
    {
        if (string.IsNullOrEmpty(name) || name.Contains('\0') || name.StartsWith("system.", StringComparison.Ordinal) || name.Contains('$'))
        {
            throw new ArgumentException($"'{name}' is not a valid MongoDB collection name.", nameof(name));
        }

        Database = database;
        Name = name;
    }

    public MongoDatabase Database { get; }

    public string Name { get; }

    /// <summary>"database.collection".</summary>
    public string Namespace => $"{Database.Name}.{Name}";

    public Task<BulkWriteResult> InsertManyAsync(IEnumerable<BsonDocument> documents, BulkWriteOptions? options = null, CancellationToken cancellationToken = default) =>
        BulkWriteAsync(documents.Select(d => new InsertOneModel(d)), options, cancellationToken);

    /// <summary>
    /// Runs the requests as insert/update/delete commands, batched by the server's maxWriteBatchSize and
    /// maxMessageSizeBytes in OP_MSG document sequences. Ordered requests keep their order and stop at the first error.
    /// </summary>
    /// <exception cref="MongoBulkWriteException">Requests failed; their indexes are those of <paramref name="requests"/>.</exception>
    public async Task<BulkWriteResult> BulkWriteAsync(IEnumerable<WriteModel> requests, BulkWriteOptions? options = null, CancellationToken cancellationToken = default)
    {
        var ordered = options?.IsOrdered ?? true;
        var indexed = requests.Select((model, index) => (Model: model, Index: index)).ToList();
        if (indexed.Count == 0) throw new ArgumentException("A bulk write needs at least one request.", nameof(requests));
        var result = new BulkWriteResult { RequestCount = indexed.Count };
        var errors = new List<BulkWriteError>();
        string? concernError = null;
        // Ordered: runs of consecutive requests of one kind. Unordered: all requests of a kind together.
        var runs = ordered
            ? indexed.Aggregate(new List<List<(WriteModel Model, int Index)>>(), (acc, item) =>
            {
                if (acc.Count == 0 || acc[^1][0].Model.Kind != item.Model.Kind) acc.Add([]);
                acc[^1].Add(item);
                return acc;
            })
            : indexed.GroupBy(i => i.Model.Kind).Select(g => g.ToList()).ToList();

        foreach (var run in runs)
        {
            for (var start = 0; start < run.Count && !(ordered && errors.Count > 0);)
            {
                var (taken, reply) = await SendBatchAsync(run, start, ordered, cancellationToken).ConfigureAwait(false);
                Merge(result, errors, run, start, reply);
                if (reply.GetValue("writeConcernError", BsonNull.Value) is BsonDocument wce) concernError = wce.GetValue("errmsg", wce.ToString()).ToString();
                start += taken;
            }

            if (ordered && errors.Count > 0) break;
        }

        if (errors.Count > 0 || concernError is not null) throw new MongoBulkWriteException(result, errors, concernError);
        return result;
    }

    public MongoCursor Find(BsonDocument filter, FindOptions? options = null)
    {
        var command = new BsonDocument { { "find", Name }, { "filter", filter } }
            .AddIf(options?.Projection is not null, "projection", options?.Projection)
            .AddIf(options?.Sort is not null, "sort", options?.Sort)
            .AddIf(options?.Limit is not null, "limit", options?.Limit ?? 0)
            .AddIf(options?.BatchSize is not null, "batchSize", options?.BatchSize ?? 0);
        return new MongoCursor(Database, Name, command, options?.BatchSize);
    }

    public MongoCursor Aggregate(IEnumerable<BsonDocument> pipeline, int? batchSize = null) =>
        new(Database, Name, new BsonDocument
        {
            { "aggregate", Name },
            { "pipeline", new BsonArray(pipeline) },
            { "cursor", new BsonDocument().AddIf(batchSize is not null, "batchSize", batchSize ?? 0) },
        }, batchSize);

    /// <summary>Counts the matching documents exactly (an aggregation, as the driver specs define countDocuments).</summary>
    public async Task<long> CountDocumentsAsync(BsonDocument filter, CancellationToken cancellationToken = default)
    {
        var pipeline = new[]
        {
            new BsonDocument("$match", filter),
            new BsonDocument("$group", new BsonDocument { { "_id", 1 }, { "n", new BsonDocument("$sum", 1) } }),
        };
        var first = await Aggregate(pipeline).FirstOrDefaultAsync(cancellationToken).ConfigureAwait(false);
        return first?["n"].ToInt64() ?? 0;
    }

    /// <summary>The collection's document count from its metadata: fast, and exact after a clean shutdown.</summary>
    public async Task<long> EstimatedDocumentCountAsync(CancellationToken cancellationToken = default) =>
        (await Database.RunCommandAsync(new BsonDocument("count", Name), cancellationToken).ConfigureAwait(false))["n"].ToInt64();

    /// <summary>Updates one matching document atomically and returns it (before or after), or null.</summary>
    public async Task<BsonDocument?> FindOneAndUpdateAsync(BsonDocument filter, BsonValue update, FindOneAndUpdateOptions? options = null, CancellationToken cancellationToken = default)
    {
        _ = new UpdateOneModel(filter, update); // validates the update
        var command = new BsonDocument { { "findAndModify", Name }, { "query", filter }, { "update", update } }
            .Add("new", options?.ReturnDocument == ReturnDocument.After)
            .Add("upsert", options?.IsUpsert ?? false)
            .AddIf(options?.Projection is not null, "fields", options?.Projection)
            .AddIf(options?.Sort is not null, "sort", options?.Sort);
        var reply = await Database.RunCommandAsync(command, cancellationToken).ConfigureAwait(false);
        return reply.GetValue("value", BsonNull.Value) as BsonDocument;
    }

    /// <returns>The names of the indexes.</returns>
    public async Task<List<string>> CreateIndexesAsync(IEnumerable<CreateIndexModel> models, CancellationToken cancellationToken = default)
    {
        var list = models.ToList();
        var indexes = new BsonArray(list.Select(m => (BsonValue)new BsonDocument { { "key", m.Keys }, { "name", m.IndexName } }.AddIf(m.Unique, "unique", true)));
        await Database.RunCommandAsync(new BsonDocument { { "createIndexes", Name }, { "indexes", indexes } }, cancellationToken).ConfigureAwait(false);
        return list.Select(m => m.IndexName).ToList();
    }

    /// <summary>Drops the collection; one that does not exist is not an error.</summary>
    public Task DropAsync(CancellationToken cancellationToken = default) => Database.DropCollectionAsync(Name, cancellationToken);

    private Task<(int Taken, BsonDocument Reply)> SendBatchAsync(List<(WriteModel Model, int Index)> run, int start, bool ordered, CancellationToken cancellationToken)
    {
        var (command, sequence) = run[0].Model.Kind switch
        {
            WriteKind.Insert => ("insert", "documents"),
            WriteKind.Update => ("update", "updates"),
            _ => ("delete", "deletes"),
        };
        return Database.Client.Cluster.RunAsync(async connection =>
        {
            var limits = connection.Hello;
            var (maxCount, maxMessage) = Database.Client.BatchLimitsForTests ?? (limits.MaxWriteBatchSize, limits.MaxMessageSizeBytes);
            var body = new BsonDocument { { command, Name }, { "ordered", ordered }, { "$db", Database.Name } };
            using var message = new OpMsgBuilder(body, limits.MaxBsonObjectSize + 16 * 1024);
            message.BeginSequence(sequence);
            // An insert's document may reach maxBsonObjectSize; an update or delete statement has 16 KiB more for q/u/upsert.
            var maxStatement = limits.MaxBsonObjectSize + (command == "insert" ? 0 : 16 * 1024);
            var taken = 0;
            while (start + taken < run.Count && taken < maxCount)
            {
                var (model, index) = run[start + taken];
                bool added;
                try
                {
                    added = message.TryAdd(model.ToStatement(), maxStatement, maxMessage);
                }
                catch (BsonSerializationException e)
                {
                    throw new BsonSerializationException($"Request {index} of the bulk write into {Namespace} cannot be sent: {e.Message}", e);
                }

                if (!added) break;
                taken++;
            }

            return (taken, await connection.SendAsync(message, cancellationToken).ConfigureAwait(false));
        }, cancellationToken);
    }

    private static void Merge(BulkWriteResult result, List<BulkWriteError> errors, List<(WriteModel Model, int Index)> run, int start, BsonDocument reply)
    {
        var n = reply.GetValue("n", 0).ToInt64();
        var upserted = reply.GetValue("upserted", new BsonArray()).AsBsonArray;
        switch (run[0].Model.Kind)
        {
            case WriteKind.Insert: result.InsertedCount += n; break;
            case WriteKind.Delete: result.DeletedCount += n; break;
            default:
                result.MatchedCount += n - upserted.Count;
                result.ModifiedCount += reply.GetValue("nModified", 0).ToInt64();
                foreach (var u in upserted.Select(v => v.AsBsonDocument))
                {
                    result.Upserts.Add(new BulkWriteUpsert(run[start + (int)u["index"].ToInt64()].Index, u["_id"]));
                }

                break;
        }

        foreach (var e in reply.GetValue("writeErrors", new BsonArray()).AsBsonArray.Select(v => v.AsBsonDocument))
        {
            errors.Add(new BulkWriteError(
                run[start + (int)e["index"].ToInt64()].Index,
                (int)e.GetValue("code", 0).ToInt64(),
                e.GetValue("codeName", "").AsString,
                e.GetValue("errmsg", "").AsString));
        }
    }
}

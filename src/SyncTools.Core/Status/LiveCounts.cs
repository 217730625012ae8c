using MongoDB.Bson;
using MongoDB.Driver;
using SyncTools.Core.ChangeSync;
using SyncTools.Core.ClusterIds;
using SyncTools.Core.FullSync;
using SyncTools.Core.Jobs;
using SyncTools.Core.MongoDb;
using SyncTools.Core.MySql;
using SyncTools.Core.OrgSync;
using SyncTools.Core.PostgreSql;
using SyncTools.Core.TowAndGo;

namespace SyncTools.Core.Status;

/// <summary>The servers to count in; a job whose server is not given is not counted.</summary>
public sealed record LiveConnections(MongoEndpoint? Mongo, MySqlSource? MySql, PgSource? Postgres = null);

/// <summary>
/// Source and target counts of a job's last target, read live: for Sync-TowAndGoToMongo the links of the snapshot
/// applied last (its sync_state) and the link documents in the collection; for Update-ClusterId the MongoDB documents
/// and the distinct ids in the MySQL column; for Invoke-OrgSync the four tables on the -MySqlConnectionString
/// server (see <see cref="OrgSyncJob.LiveCountsAsync"/>); for Start-FullSync and Start-ChangeSync the source table under
/// the last full sync's filter and the collection (see <see cref="StartFullSyncJob.LiveCountsAsync"/>).
/// </summary>
public static class LiveCounts
{
    public static async Task<(long? Source, long? Target)> CountAsync(JournalEntry last, LiveConnections connections, CancellationToken cancellationToken)
    {
        switch (last.Job)
        {
            case SyncTowAndGoJob.Name when connections.Mongo is { } mongo:
            {
                var (database, collection) = SplitFirst(last.Target);
                try
                {
                    var db = mongo.Client.GetDatabase(database);
                    var state = await db.GetCollection<BsonDocument>(SyncTowAndGoJob.StateCollection).Find(new BsonDocument("_id", collection)).FirstOrDefaultAsync(cancellationToken).ConfigureAwait(false);
                    var links = await db.GetCollection<BsonDocument>(collection).CountDocumentsAsync(new BsonDocument("link_id", new BsonDocument("$exists", true)), cancellationToken: cancellationToken).ConfigureAwait(false);
                    return (state?.GetValue("links", BsonNull.Value) is { IsNumeric: true } n ? n.ToInt64() : null, links);
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    throw mongo.Translate(e, last.Target);
                }
            }

            case UpdateClusterIdJob.Name when connections.Mongo is { } mongo && connections.MySql is { } mysql && last.Source is { } source:
            {
                var (database, collection) = SplitFirst(source);
                long documents;
                try { documents = await mongo.Client.GetDatabase(database).GetCollection<BsonDocument>(collection).CountDocumentsAsync(FilterDefinition<BsonDocument>.Empty, cancellationToken: cancellationToken).ConfigureAwait(false); }
                catch (Exception e) when (e is not OperationCanceledException) { throw mongo.Translate(e, source); }

                var parts = last.Target.Split('.');
                var (schema, table, column) = (parts[0], string.Join('.', parts[1..^1]), parts[^1]);
                await using var connection = await mysql.WithDatabase(schema).OpenAsync(cancellationToken).ConfigureAwait(false);
                try
                {
                    await using var command = connection.CreateCommand();
                    command.CommandText = $"SELECT COUNT(DISTINCT {MySqlIdentifiers.Quote(column)}) FROM {MySqlIdentifiers.Quote(schema)}.{MySqlIdentifiers.Quote(table)}";
                    return (documents, Convert.ToInt64(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false)));
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    throw mysql.Translate(e, last.Target);
                }
            }

            case OrgSyncJob.Name when connections.MySql is { } mysql && last.Source is { } source:
                return await OrgSyncJob.LiveCountsAsync(mysql, DatabaseOf(source), DatabaseOf(last.Target), cancellationToken).ConfigureAwait(false);

            case StartFullSyncJob.Name or StartChangeSyncJob.Name when connections.Postgres is { } postgres && connections.Mongo is { } mongo && last.Source is { } source:
                return await StartFullSyncJob.LiveCountsAsync(postgres, mongo, source, last.Target, cancellationToken).ConfigureAwait(false);

            default:
                return (null, null);
        }
    }

    /// <summary>The database of "user@server:port/database" (how Invoke-OrgSync names its source and target).</summary>
    private static string DatabaseOf(string name) => name[(name.LastIndexOf('/') + 1)..];

    /// <summary>"database.collection" (a collection name may hold dots, a database name may not).</summary>
    private static (string, string) SplitFirst(string name)
    {
        var dot = name.IndexOf('.');
        return dot > 0 ? (name[..dot], name[(dot + 1)..])
            : throw new SyncToolsException($"'{name}' is not database.collection.", JobErrorCategory.InvalidData, "JournalTargetInvalid", name);
    }
}

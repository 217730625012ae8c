using MongoDB.Bson;
using MongoDB.Driver;
using SyncTools.Core.Status;

namespace SyncTools.Core.TowAndGo;

/// <summary>Sync-TowAndGoToMongo, live: the links of the snapshot applied last (its sync_state) against the link documents.</summary>
public sealed class TowAndGoLiveCount : ILiveCount
{
    public string Job => SyncTowAndGoJob.Name;

    public async Task<(long? Source, long? Target)> CountAsync(JournalEntry last, LiveConnections connections, CancellationToken cancellationToken)
    {
        if (last.TargetEndpoint is not { Path: [var collection] } target) return (null, null);
        var mongo = connections.MongoFor(target);
        var database = target.Database;
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
}

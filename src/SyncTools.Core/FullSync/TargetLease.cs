using System.Globalization;
using SyncTools.Core.Jobs;
using SyncTools.Core.MongoDb;
using MongoDB.Bson;
using MongoDB.Driver;

namespace SyncTools.Core.FullSync;

/// <summary>
/// A lock on one target collection, kept in MongoDB as a lease: a document {_id: target, owner, runId, acquiredAt,
/// expiresAt} in <c>sync_locks</c>. The holder renews it between pages; a crashed holder's lease simply expires, and
/// the next run takes it over.
/// </summary>
public sealed class TargetLease
{
    public const string CollectionName = "sync_locks";

    private readonly IMongoCollection<BsonDocument> _locks;
    private readonly string _target;
    private readonly Guid _runId;
    private readonly TimeSpan _duration;

    private TargetLease(IMongoCollection<BsonDocument> locks, string target, Guid runId, TimeSpan duration)
    {
        _locks = locks;
        _target = target;
        _runId = runId;
        _duration = duration;
    }

    /// <summary>Who holds the lock for <paramref name="target"/> now, or null when no one does.</summary>
    public static async Task<string?> HolderAsync(IMongoDatabase database, string target, CancellationToken cancellationToken)
    {
        var held = await database.GetCollection<BsonDocument>(CollectionName)
            .Find(new BsonDocument { { "_id", target }, { "expiresAt", new BsonDocument("$gt", DateTime.UtcNow) } })
            .FirstOrDefaultAsync(cancellationToken).ConfigureAwait(false);
        return held is null ? null : Describe(held);
    }

    /// <exception cref="SyncToolsException">Another run holds an unexpired lease on the target (ResourceBusy).</exception>
    public static async Task<TargetLease> AcquireAsync(IMongoDatabase database, string target, Guid runId, TimeSpan duration, CancellationToken cancellationToken)
    {
        var lease = new TargetLease(database.GetCollection<BsonDocument>(CollectionName), target, runId, duration);
        var now = DateTimeOffset.UtcNow;
        var owner = $"{Environment.UserName}@{Environment.MachineName} (process {Environment.ProcessId.ToString(CultureInfo.InvariantCulture)})";
        try
        {
            // Matches only an expired lease; with none, the upsert inserts ours, or fails on the _id of a live one.
            await lease._locks.FindOneAndUpdateAsync(
                new BsonDocument { { "_id", target }, { "expiresAt", new BsonDocument("$lte", now.UtcDateTime) } },
                new BsonDocument("$set", new BsonDocument
                {
                    { "owner", owner },
                    { "runId", runId.ToString() },
                    { "acquiredAt", now.UtcDateTime },
                    { "expiresAt", (now + duration).UtcDateTime },
                }),
                new FindOneAndUpdateOptions<BsonDocument> { IsUpsert = true }, cancellationToken).ConfigureAwait(false);
            return lease;
        }
        catch (MongoCommandException e) when (MongoEndpoint.IsDuplicateKey(e.Code, e.Message))
        {
            var holder = await HolderAsync(database, target, cancellationToken).ConfigureAwait(false) ?? "another run (its lease just ended: try again)";
            throw new SyncToolsException($"{target} is locked by {holder}. A crashed run's lock expires by itself.", JobErrorCategory.ResourceBusy, "FullSyncLocked", target, e);
        }
    }

    /// <summary>Extends the lease from now.</summary>
    /// <exception cref="SyncToolsException">The lease expired and another run took it over.</exception>
    public async Task RenewAsync(CancellationToken cancellationToken)
    {
        var result = await _locks.UpdateOneAsync(Mine, new BsonDocument("$set", new BsonDocument("expiresAt", DateTime.UtcNow + _duration)), cancellationToken: cancellationToken).ConfigureAwait(false);
        if (result.MatchedCount == 0)
        {
            throw new SyncToolsException($"The lock on {_target} expired and was taken over by another run: this run stops without touching {_target}.", JobErrorCategory.ResourceBusy, "FullSyncLockLost", _target);
        }
    }

    /// <summary>Gives the lease up, if still ours.</summary>
    public Task ReleaseAsync(CancellationToken cancellationToken) =>
        _locks.DeleteOneAsync(Mine, cancellationToken);

    private BsonDocument Mine => new() { { "_id", _target }, { "runId", _runId.ToString() } };

    private static string Describe(BsonDocument held) =>
        $"{Text(held, "owner") ?? "an unknown owner"}, run {Text(held, "runId") ?? "?"}, since {When(held, "acquiredAt")} until {When(held, "expiresAt")}";

    private static string? Text(BsonDocument document, string field) => document.GetValue(field, BsonNull.Value) is BsonString text ? text.Value : null;

    private static string When(BsonDocument document, string field) =>
        document.GetValue(field, BsonNull.Value) is BsonDateTime { IsValidDateTime: true } at ? at.ToUniversalTime().ToString("u", CultureInfo.InvariantCulture) : "?";
}

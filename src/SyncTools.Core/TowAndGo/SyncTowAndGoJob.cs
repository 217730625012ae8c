using System.Collections;
using System.Diagnostics;
using SyncTools.Core.Jobs;
using SyncTools.Core.MongoDb;
using SyncTools.Core.S3;
using MongoDB.Bson;
using MongoDB.Driver;

namespace SyncTools.Core.TowAndGo;

/// <summary>
/// Applies a Tow-and-Go snapshot from S3 to a MongoDB collection: one document per link, <c>_id</c> = link_id, with
/// <c>link_id</c>, <c>segment_id</c> (null kept), and the snapshot that last changed it (<c>snapshot_time</c>,
/// <c>last_modified</c>, <c>source_bucket</c>, <c>source_key</c>) and <c>synced_at</c>. Only new and changed links are
/// written, so a re-run modifies nothing. The collection's freshness (the snapshot applied last) is kept in the
/// database's <c>sync_state</c> collection under the collection's name; an older snapshot is refused as stale.
/// </summary>
public static class SyncTowAndGoJob
{
    public const string Name = "Sync-TowAndGoToMongo";
    public const string StateCollection = "sync_state";

    /// <returns>What was done, or null when the write was declined (-WhatIf, or "no" at -Confirm).</returns>
    public static async Task<TowAndGoSyncResult?> RunAsync(TowAndGoSyncOptions options, IJobReporter reporter, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        var runId = Guid.NewGuid();
        TowAndGoKeys.ValidateBucket(options.Bucket);
        if (options.BatchSize < 1) throw new SyncToolsException("The batch size must be at least 1.", JobErrorCategory.InvalidArgument, "BatchSizeInvalid", options.BatchSize);
        var source = $"s3://{options.Bucket}/{options.Key}";
        var snapshot = await S3Objects.ReadAsync(options.S3, options.Bucket, options.Key,
            (json, length) => SnapshotValidator.ParseAsync(json, length, source, reporter, cancellationToken), cancellationToken).ConfigureAwait(false);

        var target = $"{options.Database}.{options.Collection}";
        try
        {
            var database = options.Mongo.Client.GetDatabase(options.Database);
            var links = database.GetCollection<BsonDocument>(options.Collection);
            var state = database.GetCollection<BsonDocument>(StateCollection);
            TowAndGoSyncResult Result(Diff? diff, bool stale, BulkCounts written) => new()
            {
                RunId = runId,
                Bucket = options.Bucket,
                Key = options.Key,
                Database = options.Database,
                Collection = options.Collection,
                SnapshotTime = snapshot.SnapshotTime,
                Links = snapshot.Links.Count,
                Inserted = written.Inserted,
                Updated = written.Updated,
                Unchanged = diff?.Unchanged ?? 0,
                Removed = written.Removed,
                Stale = stale,
                Duration = clock.Elapsed,
            };

            var applied = await state.Find(new BsonDocument("_id", options.Collection)).FirstOrDefaultAsync(cancellationToken).ConfigureAwait(false);
            // Compared as BSON numbers compare, so a stored 100.5 is later than 100 (as a whole number it would not be).
            if (applied?.GetValue("last_modified", BsonNull.Value) is { IsNumeric: true } appliedValue && appliedValue.CompareTo(new BsonInt64(snapshot.LastModified)) > 0 && !options.Force)
            {
                // Both last_modified values as given, so that a stored 100.5 is not shown as the same time as 100.
                var appliedTime = appliedValue.ToDouble() < DateTimeOffset.MaxValue.ToUnixTimeSeconds() ? $", taken {DateTimeOffset.FromUnixTimeSeconds(appliedValue.ToInt64()):u}" : "";
                reporter.Warning($"{source} (last_modified {snapshot.LastModified}, taken {snapshot.SnapshotTime:u}) is older than the snapshot {target} already holds " +
                                 $"(last_modified {appliedValue}{appliedTime}): nothing written. Use -Force to apply it anyway.");
                return Result(null, stale: true, default);
            }

            var diff = await DiffAsync(links, snapshot, options.RemoveMissing, reporter, cancellationToken).ConfigureAwait(false);
            var action = $"Apply Tow-and-Go snapshot {source} ({snapshot.Links.Count:N0} links, taken {snapshot.SnapshotTime:u}): " +
                $"insert {diff.InsertCount:N0}, update {diff.Updates.Count:N0}, remove {diff.Removals.Count:N0}, leave {diff.Unchanged:N0} unchanged";
            if (!reporter.ShouldProcess(target, action))
            {
                return null;
            }

            await links.Indexes.CreateManyAsync(
            [
                new CreateIndexModel<BsonDocument>(new BsonDocument("link_id", 1), new CreateIndexOptions { Unique = true }),
                new CreateIndexModel<BsonDocument>(new BsonDocument("segment_id", 1)),
            ], cancellationToken).ConfigureAwait(false);
            var origin = new LinkSource(snapshot.SnapshotTime, snapshot.LastModified, options.Bucket, options.Key, DateTime.UtcNow);
            var written = await WriteAsync(links, diff, origin, options.BatchSize, reporter, cancellationToken).ConfigureAwait(false);
            await state.UpdateOneAsync(new BsonDocument("_id", options.Collection), new BsonDocument("$set", new BsonDocument
            {
                { "job", Name },
                { "last_modified", snapshot.LastModified },
                { "snapshot_time", snapshot.SnapshotTime.UtcDateTime },
                { "source_bucket", options.Bucket },
                { "source_key", options.Key },
                { "links", snapshot.Links.Count },
                { "synced_at", DateTime.UtcNow },
            }), new UpdateOptions { IsUpsert = true }, cancellationToken).ConfigureAwait(false);
            reporter.Verbose($"{target}: {written.Inserted:N0} inserted, {written.Updated:N0} updated, {diff.Unchanged:N0} unchanged, {written.Removed:N0} removed.");
            return Result(diff, stale: false, written);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            throw options.Mongo.Translate(e, target);
        }
    }

    /// <summary>What the collection lacks, holds differently (positions in the snapshot), or holds beyond the snapshot.</summary>
    /// <param name="Stored">Per position in the snapshot: whether the collection holds that link.</param>
    private sealed record Diff(TowAndGoSnapshot Snapshot, BitArray Stored, List<int> Updates, List<long> Removals, long Unchanged)
    {
        /// <summary>The links the collection lacks: every stored one is unchanged or an update.</summary>
        public int InsertCount => Stored.Length - (int)Unchanged - Updates.Count;

        public IEnumerable<TowAndGoLink> Inserts => Enumerable.Range(0, Stored.Length).Where(i => !Stored[i]).Select(i => Snapshot.Links[i]);
    }

    private readonly record struct BulkCounts(long Inserted, long Updated, long Removed);

    /// <summary>Streams the collection once (ids and segments only) against the snapshot.</summary>
    private static async Task<Diff> DiffAsync(IMongoCollection<BsonDocument> links, TowAndGoSnapshot snapshot, bool removeMissing, IJobReporter reporter, CancellationToken cancellationToken)
    {
        var stored = new BitArray(snapshot.Links.Count);
        var updates = new List<int>();
        var removals = new List<long>();
        long unchanged = 0, scanned = 0;
        var total = await links.EstimatedDocumentCountAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
        var activity = $"Comparing with {links.CollectionNamespace}";
        var cursor = links.Find(FilterDefinition<BsonDocument>.Empty, new FindOptions { BatchSize = 10_000 })
            .Project(new BsonDocumentProjectionDefinition<BsonDocument, StoredLink>(new BsonDocument("segment_id", 1), StoredLink.Serializer)).ToAsyncEnumerable();
        await foreach (var document in cursor.WithCancellation(cancellationToken).ConfigureAwait(false))
        {
            if (++scanned % 1_000 == 0) reporter.Progress(new JobProgress(activity, scanned, Math.Max(total, scanned), $"{scanned:N0} documents"));
            if (Integer(document.Id) is not { } id)
            {
                reporter.Warning($"{links.CollectionNamespace} holds a document with _id {document.Id}, which is not a link id: left alone.");
                continue;
            }

            if (snapshot.TryGetPosition(id, out var position) && !stored[position])
            {
                stored[position] = true;
                var segment = snapshot.Links[position].SegmentId;
                if (segment is null ? document.SegmentId.IsBsonNull : Integer(document.SegmentId) == segment) unchanged++;
                else updates.Add(position);
            }
            else if (removeMissing)
            {
                removals.Add(id);
            }
        }

        return new Diff(snapshot, stored, updates, removals, unchanged);
    }

    /// <summary>A whole number as the link ids and segments are written; null for any other value (5.5 is not link 5).</summary>
    private static long? Integer(BsonValue value) => value switch
    {
        BsonInt32 i => i.Value,
        BsonInt64 l => l.Value,
        BsonDouble d when d.Value == Math.Floor(d.Value) && Math.Abs(d.Value) < 9.2e18 => (long)d.Value,
        BsonDecimal128 m when decimal.TryParse(m.Value.ToString(), System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var exact)
            && exact == decimal.Truncate(exact) && exact is >= long.MinValue and <= long.MaxValue => (long)exact,
        _ => null,
    };

    private static async Task<BulkCounts> WriteAsync(IMongoCollection<BsonDocument> links, Diff diff, LinkSource source, int batchSize, IJobReporter reporter, CancellationToken cancellationToken)
    {
        var documents = links.Database.GetCollection<LinkDocument>(links.CollectionNamespace.CollectionName);
        var total = diff.InsertCount + diff.Updates.Count + diff.Removals.Count;
        var activity = $"Writing {links.CollectionNamespace}";
        long done = 0, inserted = 0, updated = 0, removed = 0;
        var unordered = new BulkWriteOptions { IsOrdered = false };
        foreach (var batch in diff.Inserts.Chunk(batchSize))
        {
            try
            {
                inserted += (await documents.BulkWriteAsync(batch.Select(link => new InsertOneModel<LinkDocument>(new LinkDocument(link, source))), unordered, cancellationToken).ConfigureAwait(false)).InsertedCount;
            }
            catch (MongoBulkWriteException<LinkDocument> e) when (e.WriteConcernError is null && e.WriteErrors.All(w => MongoEndpoint.IsDuplicateKey(w.Code, w.Message)))
            {
                // A concurrent run inserted some of these links first: apply ours to them as updates.
                inserted += e.Result.InsertedCount;
                var raced = await documents.BulkWriteAsync(e.WriteErrors.Select(w => Upsert(batch[w.Index], source)), unordered, cancellationToken).ConfigureAwait(false);
                updated += raced.ModifiedCount;
                inserted += raced.Upserts.Count;
            }

            done += batch.Length;
            reporter.Progress(new JobProgress(activity, done, total, $"{done:N0} of {total:N0} writes"));
        }

        foreach (var batch in diff.Updates.Select(position => diff.Snapshot.Links[position]).Chunk(batchSize))
        {
            var result = await documents.BulkWriteAsync(batch.Select(link => Upsert(link, source)), unordered, cancellationToken).ConfigureAwait(false);
            inserted += result.Upserts.Count;
            updated += result.ModifiedCount;
            done += batch.Length;
            reporter.Progress(new JobProgress(activity, done, total, $"{done:N0} of {total:N0} writes"));
        }

        foreach (var batch in diff.Removals.Chunk(batchSize))
        {
            var filter = new BsonDocument("_id", new BsonDocument("$in", new BsonArray(batch.Select(id => (BsonValue)id))));
            removed += (await links.DeleteManyAsync(filter, cancellationToken).ConfigureAwait(false)).DeletedCount;
            done += batch.Length;
            reporter.Progress(new JobProgress(activity, done, total, $"{done:N0} of {total:N0} writes"));
        }

        return new BulkCounts(inserted, updated, removed);
    }

    private static UpdateOneModel<LinkDocument> Upsert(TowAndGoLink link, LinkSource source) =>
        new(new BsonDocument("_id", link.LinkId), new BsonDocument("$set", new LinkDocument(link, source).Fields)) { IsUpsert = true };
}

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
        using var snapshot = await S3Objects.ReadAsync(options.S3, options.Bucket, options.Key,
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
                Links = snapshot.LinkCount,
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

            using var diff = await DiffAsync(links, snapshot, options.RemoveMissing, reporter, cancellationToken).ConfigureAwait(false);
            var action = $"Apply Tow-and-Go snapshot {source} ({snapshot.LinkCount:N0} links, taken {snapshot.SnapshotTime:u}): " +
                $"insert {diff.Inserts.Count:N0}, update {diff.Updates.Count:N0}, remove {diff.Removals.Count:N0}, leave {diff.Unchanged:N0} unchanged";
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
                { "links", snapshot.LinkCount },
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

    /// <summary>What the collection lacks, holds differently, or holds beyond the snapshot, each in a temporary file.</summary>
    private sealed class Diff : IDisposable
    {
        public Spool<TowAndGoLink> Inserts { get; } = new(TowAndGoLink.SpoolName);

        public Spool<TowAndGoLink> Updates { get; } = new(TowAndGoLink.SpoolName);

        public Spool<HeldLink> Removals { get; } = new(TowAndGoLink.SpoolName);

        public long Unchanged { get; set; }

        /// <summary>All three on disk before the first write, so that a full disk stops the run before it, not between writes.</summary>
        public void Complete()
        {
            Inserts.Complete();
            Updates.Complete();
            Removals.Complete();
        }

        public void Dispose()
        {
            Inserts.Dispose();
            Updates.Dispose();
            Removals.Dispose();
        }
    }

    private readonly record struct BulkCounts(long Inserted, long Updated, long Removed);

    /// <summary>A link document as the diff compares it: its link id, and its segment_id as a whole number, null, or neither.</summary>
    private readonly record struct HeldLink(long Id, long? Segment, bool SegmentIsOther) : ISpooled<HeldLink>
    {
        public static SpoolPartitions<HeldLink> Partitions() => new(TowAndGoLink.SpoolName, static held => TowAndGoLink.Hash(held.Id));

        public bool Holds(TowAndGoLink link) => !SegmentIsOther && Segment == link.SegmentId;

        public static int MaxSize(in HeldLink record) => TowAndGoLink.Size;

        public static int Write(Span<byte> into, in HeldLink record) => TowAndGoLink.Write(into, record.Id, record.Segment, record.SegmentIsOther);

        public static HeldLink Read(ReadOnlySpan<byte> from, out int size)
        {
            size = TowAndGoLink.Size;
            var (id, segment) = TowAndGoLink.Read(from);
            return new HeldLink(id, segment, TowAndGoLink.IsOther(from));
        }
    }

    /// <summary>
    /// Streams the collection once (ids and segments only) into files spread as the snapshot's links are, then compares
    /// each file with the snapshot's of the same ids.
    /// </summary>
    private static async Task<Diff> DiffAsync(IMongoCollection<BsonDocument> links, TowAndGoSnapshot snapshot, bool removeMissing, IJobReporter reporter, CancellationToken cancellationToken)
    {
        using var held = HeldLink.Partitions();
        long scanned = 0;
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

            var segment = Integer(document.SegmentId);
            held.Write(new HeldLink(id, segment, SegmentIsOther: segment is null && !document.SegmentId.IsBsonNull));
        }

        var diff = new Diff();
        try
        {
            var positions = new Dictionary<long, int>();
            var part = new List<TowAndGoLink>();
            var stored = new List<bool>();
            for (var p = 0; p < held.Spools.Count; p++)
            {
                positions.Clear();
                part.Clear();
                stored.Clear();
                foreach (var (link, _) in snapshot.Partitions.Spools[p].Read())
                {
                    positions.Add(link.LinkId, part.Count);
                    part.Add(link);
                    stored.Add(false);
                }

                foreach (var document in held.Spools[p].Read())
                {
                    // A second document of the same link (5 and 5.0) is beyond the snapshot, as is one of no link of it.
                    if (positions.TryGetValue(document.Id, out var position) && !stored[position])
                    {
                        stored[position] = true;
                        if (document.Holds(part[position])) diff.Unchanged++;
                        else diff.Updates.Write(part[position]);
                    }
                    else if (removeMissing)
                    {
                        diff.Removals.Write(document);
                    }
                }

                for (var i = 0; i < part.Count; i++)
                {
                    if (!stored[i]) diff.Inserts.Write(part[i]);
                }
            }

            diff.Complete();
            return diff;
        }
        catch
        {
            diff.Dispose();
            throw;
        }
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
        var total = diff.Inserts.Count + diff.Updates.Count + diff.Removals.Count;
        var activity = $"Writing {links.CollectionNamespace}";
        long done = 0, inserted = 0, updated = 0, removed = 0;
        var unordered = new BulkWriteOptions { IsOrdered = false };
        foreach (var batch in diff.Inserts.Read().Chunk(batchSize))
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

        foreach (var batch in diff.Updates.Read().Chunk(batchSize))
        {
            var result = await documents.BulkWriteAsync(batch.Select(link => Upsert(link, source)), unordered, cancellationToken).ConfigureAwait(false);
            inserted += result.Upserts.Count;
            updated += result.ModifiedCount;
            done += batch.Length;
            reporter.Progress(new JobProgress(activity, done, total, $"{done:N0} of {total:N0} writes"));
        }

        foreach (var batch in diff.Removals.Read().Select(document => document.Id).Chunk(batchSize))
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

using System.Diagnostics;
using System.Text;
using MongoDB.Bson;
using MongoDB.Driver;
using Npgsql;
using LogicalReplicationConnection = Npgsql.Replication.LogicalReplicationConnection;
using PgOutputConnectionExtensions = Npgsql.Replication.PgOutputConnectionExtensions;
using Npgsql.Replication.PgOutput;
using Npgsql.Replication.PgOutput.Messages;
using NpgsqlTypes;
using SyncTools.Core.FullSync;
using SyncTools.Core.Jobs;
using SyncTools.Core.MongoDb;
using SyncTools.Core.PostgreSql;
using SyncTools.Core.Status;

namespace SyncTools.Core.ChangeSync;

/// <summary>
/// Applies a table's changes from a pgoutput replication slot to the MongoDB collection Start-FullSync filled,
/// starting after the LSN it published: insert and update replace the document by key (upsert), delete removes it.
/// Each change's row becomes a document by the full sync's own mapping (PostgreSQL turns the decoded text back into
/// the column's type). Changes go out in unordered bulk writes of many transactions, split where keys collide so a
/// key's changes land in commit order; the published LSN and the slot's confirmed position move to a transaction's
/// end only after MongoDB acknowledged every write up to it. Delivery is at least once and every write idempotent:
/// a stop at any moment loses nothing, and a re-run re-applies at most what was not yet acknowledged.
/// </summary>
public static class StartChangeSyncJob
{
    public const string Name = "Start-ChangeSync";

    /// <summary>At most this many decoded messages are peeked to preview a run.</summary>
    private const int PreviewLimit = 1_000_000;

    /// <returns>The run, or null when the write was declined (-WhatIf, or "no" at -Confirm).</returns>
    public static async Task<ChangeSyncResult?> RunAsync(ChangeSyncOptions options, IJobReporter reporter, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        var runId = Guid.NewGuid();
        var source = options.SourceName;
        var slotName = Validate(options);
        try
        {
            var databaseName = options.Database ?? options.Mongo.DatabaseName
                ?? throw new SyncToolsException("Name the MongoDB database: -Database, or a path in the connection string.", JobErrorCategory.InvalidArgument, "MongoDatabaseMissing");
            var target = $"{databaseName}.{options.Collection}";
            var database = options.Mongo.Client.GetDatabase(databaseName);
            // The full sync's filter and key: a change to a row the filter leaves out must not reach the collection.
            var fullSync = await StartFullSyncJob.LastRunAsync(database, options.StatisticsCollection, source, target, cancellationToken).ConfigureAwait(false);
            await using var pg = await options.Postgres.OpenAsync(cancellationToken).ConfigureAwait(false);
            var pager = await KeysetPager.CreateAsync(pg, options.Schema, options.Table, options.PrimaryKey ?? fullSync.Key, fullSync.Where, 1, cancellationToken).ConfigureAwait(false);
            if (fullSync.Key is { } copiedBy && pager.Key != copiedBy)
            {
                throw new SyncToolsException(
                    $"Start-FullSync copied {source} into {target} by the key {copiedBy} (the documents' _id): -PrimaryKey {pager.Key} would give other _ids, doubling documents and missing deletes. " +
                    $"Leave -PrimaryKey out, or run Start-FullSync with -PrimaryKey {pager.Key} first.",
                    JobErrorCategory.InvalidArgument, "ChangeSyncKeyMismatch", target);
            }

            var slot = await ReplicationSlot.OpenAsync(pg, slotName, cancellationToken).ConfigureAwait(false);
            if (slot.Plugin != ReplicationSlot.PgOutputPlugin)
            {
                throw new SyncToolsException(
                    $"Start-ChangeSync streams slots of the pgoutput plugin; '{slot.Name}' decodes with {slot.Plugin}. Create one with pg_create_logical_replication_slot('name', 'pgoutput') and run Start-FullSync with it first.",
                    JobErrorCategory.InvalidArgument, "PgSlotPluginUnsupported", slot.Name);
            }

            await CheckReplicaIdentityAsync(pg, options, pager, cancellationToken).ConfigureAwait(false);
            var lsnId = $"{slot.Name}:{options.Schema}.{options.Table}";
            var published = await database.GetCollection<BsonDocument>(options.LsnCollection).Find(new BsonDocument("_id", lsnId)).FirstOrDefaultAsync(cancellationToken).ConfigureAwait(false);
            if (published?.GetValue("lsn", BsonNull.Value) is not BsonString { Value: var fromLsn })
            {
                throw new SyncToolsException(
                    $"No LSN is published for {lsnId} in {databaseName}.{options.LsnCollection}: run Start-FullSync for {source} into {target} with the slot '{slot.Name}' first.",
                    JobErrorCategory.InvalidOperation, "ChangeSyncNoPublishedLsn", target);
            }

            if (!fullSync.Found)
            {
                reporter.Warning($"No Start-FullSync run from {source} into {target} is recorded in {databaseName}.{options.StatisticsCollection}: its filter (-Where) is unknown, so the changes of every row are applied, each by the key {pager.Key}.");
            }

            if (NpgsqlLogSequenceNumber.Parse(slot.ConfirmedFlushLsn) > NpgsqlLogSequenceNumber.Parse(fromLsn))
            {
                // PostgreSQL would stream from the slot's position, silently past the changes in between.
                throw new SyncToolsException(
                    $"The slot '{slot.Name}' is confirmed up to LSN {slot.ConfirmedFlushLsn}, past the LSN {fromLsn} published for {lsnId}: another reader of the slot (a change sync of another table, " +
                    $"Debezium, or a client) consumed the WAL in between, and the changes of {source} in it cannot be read again. Give each table a slot of its own, then run Start-FullSync for {source} into {target} to publish a fresh LSN.",
                    JobErrorCategory.InvalidOperation, "ChangeSyncSlotAhead", slot.Name);
            }

            var publication = options.Publication ?? slot.Name;
            if (!await Publication.EnsureAsync(pg, publication, options.Schema, options.Table, options.CreatePublication, action => reporter.ShouldProcess(source, action), cancellationToken).ConfigureAwait(false))
            {
                return null;
            }

            var pending = await slot.PendingAsync(pg, options.Schema, options.Table, publication, fromLsn, PreviewLimit, cancellationToken).ConfigureAwait(false);
            var counts = $"{(pending.Partial ? "at least " : "")}{pending.Inserts:N0} inserts, {pending.Updates:N0} updates, {pending.Deletes:N0} deletes{(pending.Truncates > 0 ? $" and {pending.Truncates:N0} truncates (which stop the run)" : "")} pending";
            if (!reporter.ShouldProcess(target, $"Apply the changes of {source} after LSN {fromLsn} from slot '{slot.Name}' ({counts}){(options.Follow ? ", then keep following" : "")}"))
            {
                return null;
            }

            var lease = await TargetLease.AcquireAsync(database, target, runId, options.LeaseDuration, cancellationToken).ConfigureAwait(false);
            var unreachable = false; // then a clean-up write would only wait out another timeout
            try
            {
                var run = new Run(options, reporter, runId, source, target, database, pg, pager, slot.Name, publication, lsnId, fromLsn, lease);
                return await run.ExecuteAsync(clock, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (MongoEndpoint.IsUnreachable(e))
            {
                unreachable = true;
                throw;
            }
            finally
            {
                if (!unreachable) await options.Mongo.CleanUpAsync(lease.ReleaseAsync, $"Could not release the lock on {target}; it expires by itself", target, reporter).ConfigureAwait(false);
            }
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            throw Translate(options, e, source).OfRun(runId);
        }
    }

    /// <summary>
    /// The slot of a change sync's target now: the slot its statistics name (null when no run with the default job
    /// name is recorded), whether a consumer is reading it, the WAL bytes between the server's position and the slot's
    /// confirmed one (lag) and its restart point (retained), and when the published LSN last moved.
    /// </summary>
    /// <param name="postgres">The source's server, on its database.</param>
    /// <param name="source">The table, as the journal keeps it (its path: schema and table).</param>
    /// <param name="target">The collection, as the journal keeps it.</param>
    public static async Task<ReplicationSlotHealth?> SlotHealthAsync(PgSource postgres, MongoEndpoint mongo, SyncEndpoint source, SyncEndpoint target, CancellationToken cancellationToken)
    {
        if (source.Path is not [var schema, var table] || target.Path is not [var collection]) return null;
        BsonDocument? statistics, published;
        try
        {
            var database = mongo.Client.GetDatabase(target.Database);
            statistics = await database.GetCollection<BsonDocument>(FullSyncOptions.DefaultStatisticsCollection)
                .Find(new BsonDocument("_id", $"changesync:{target.Database}.{collection}")).FirstOrDefaultAsync(cancellationToken).ConfigureAwait(false);
            if (statistics?.GetValue("slot", BsonNull.Value) is not BsonString { Value: var name }) return null;
            published = await database.GetCollection<BsonDocument>(FullSyncOptions.DefaultLsnCollection)
                .Find(new BsonDocument("_id", $"{name}:{schema}.{table}")).FirstOrDefaultAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            throw mongo.Translate(e, target.ToString());
        }

        var slot = statistics["slot"].AsString;
        var appliedAt = published?.GetValue("appliedAt", BsonNull.Value) is BsonDateTime at ? at.ToUniversalTime() : (DateTime?)null;
        try
        {
            await using var connection = await postgres.OpenAsync(cancellationToken).ConfigureAwait(false);
            await using var command = new NpgsqlCommand("""
                SELECT active, greatest(pg_current_wal_lsn() - confirmed_flush_lsn, 0)::bigint, greatest(pg_current_wal_lsn() - restart_lsn, 0)::bigint
                FROM pg_replication_slots WHERE slot_name = $1
                """, connection);
            command.Parameters.Add(new() { Value = slot });
            await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            return await reader.ReadAsync(cancellationToken).ConfigureAwait(false)
                ? new ReplicationSlotHealth(slot, true, reader.GetBoolean(0), reader.GetInt64(1), reader.GetInt64(2), appliedAt)
                : new ReplicationSlotHealth(slot, false, false, 0, 0, appliedAt);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            throw postgres.Translate(e, source.ToString());
        }
    }

    private static string Validate(ChangeSyncOptions options)
    {
        if (options.BatchSize is < 1 or > ChangeSyncOptions.MaxBatchSize)
        {
            throw new SyncToolsException($"The batch size must be 1 to {ChangeSyncOptions.MaxBatchSize:N0}.", JobErrorCategory.InvalidArgument, "BatchSizeInvalid", options.BatchSize);
        }

        MongoEndpoint.ValidateWritableCollections(options.Collection, options.StatisticsCollection, options.LsnCollection);
        return ReplicationSlot.ResolveName(options.SlotName);
    }

    /// <summary>An update or delete names its row by the replica identity: it must hold the key column.</summary>
    private static async Task CheckReplicaIdentityAsync(NpgsqlConnection pg, ChangeSyncOptions options, KeysetPager pager, CancellationToken cancellationToken)
    {
        var (kind, columns) = await PgIdentifiers.ReplicaIdentityAsync(pg, options.Schema, options.Table, cancellationToken).ConfigureAwait(false);
        if (columns.Contains(pager.Key)) return;
        var table = pager.Table;
        var what = kind switch
        {
            'n' => "REPLICA IDENTITY NOTHING: its updates and deletes carry no key",
            'd' => "no primary key holding the key column: its updates and deletes carry no key",
            _ => $"a replica identity ({string.Join(", ", columns)}) without the key column {PgIdentifiers.Quote(pager.Key)}",
        };
        throw new SyncToolsException(
            $"{table} has {what}. Fix it with ALTER TABLE {table} REPLICA IDENTITY FULL; (or REPLICA IDENTITY USING INDEX on a unique index of {PgIdentifiers.Quote(pager.Key)}).",
            JobErrorCategory.InvalidArgument, "PgReplicaIdentityUnusable", $"{options.Schema}.{options.Table}");
    }

    private static SyncToolsException Translate(ChangeSyncOptions options, Exception e, string source) => e switch
    {
        SyncToolsException known => known,
        NpgsqlException => options.Postgres.Translate(e, source),
        _ => options.Mongo.Translate(e, options.TargetName),
    };


    private enum ChangeKind { Insert, Update, Delete }

    /// <summary>
    /// A row change waiting for its bulk write: the row's values (by column), and for an update the columns the WAL left
    /// out. ReadCurrent: those must be read from the table before the write (a key change, or a filter to decide).
    /// </summary>
    private sealed record Change(ChangeKind Kind, string?[] Row, bool[]? Unchanged, bool ReadCurrent = false);

    private sealed class Run(ChangeSyncOptions options, IJobReporter reporter, Guid runId, string source, string target, IMongoDatabase database,
        NpgsqlConnection pg, KeysetPager pager, string slot, string publication, string lsnId, string fromLsn, TargetLease lease)
    {
        private static readonly TimeSpan IdleFlush = TimeSpan.FromMilliseconds(100);
        private static readonly TimeSpan Housekeeping = TimeSpan.FromSeconds(2);

        private readonly IMongoCollection<RawBsonDocument> _collection = database.GetCollection<RawBsonDocument>(options.Collection);
        private readonly JobStatistics _statistics = new(database.GetCollection<BsonDocument>(options.StatisticsCollection), options.JobName ?? $"changesync:{target}", runId);
        private readonly List<Change> _changes = [];
        private readonly int _keyIndex = pager.Columns.ToList().FindIndex(c => c.Name == pager.Key);
        private readonly long _from = (long)(ulong)NpgsqlLogSequenceNumber.Parse(fromLsn);

        // The last transaction read whole since the last flush (its end LSN and commit time): what the flush publishes.
        private (NpgsqlLogSequenceNumber End, DateTime At)? _lastCommit;
        private LogicalReplicationConnection _replication = null!;
        private NpgsqlLogSequenceNumber _published = NpgsqlLogSequenceNumber.Parse(fromLsn);
        private DateTime? _lastApplied;
        private uint? _relation;
        private bool _inTransaction;
        private bool _stopAfterTransaction;
        private long _transactionChanges;
        private long _transactions, _inserted, _updated, _deleted;

        public async Task<ChangeSyncResult> ExecuteAsync(Stopwatch clock, CancellationToken cancellationToken)
        {
            var serverEnd = await CurrentWalAsync(cancellationToken).ConfigureAwait(false);
            await _statistics.StartAsync(new BsonDocument
            {
                { "job", Name }, { "source", source }, { "target", target }, { "slot", slot }, { "publication", publication }, { "fromLsn", fromLsn }, { "lsn", fromLsn },
            }, cancellationToken).ConfigureAwait(false);
            try
            {
                _replication = await options.Postgres.OpenReplicationAsync(cancellationToken).ConfigureAwait(false);
                await using (_replication.ConfigureAwait(false))
                {
                    await StreamAsync(serverEnd, clock, cancellationToken).ConfigureAwait(false);
                }

                await ConfirmPublishedAsync(cancellationToken).ConfigureAwait(false);

                var lagBytes = await LagBytesAsync(cancellationToken).ConfigureAwait(false);
                var caughtUp = lagBytes == 0 || _replication.LastReceivedLsn >= serverEnd;
                var lag = caughtUp || _lastApplied is null ? TimeSpan.Zero : DateTime.UtcNow - _lastApplied.Value;
                await _statistics.UpdateAsync(Counters().Add("status", FullSyncStatus.Finished).Add("finishedAt", DateTime.UtcNow).Add("lagBytes", lagBytes), cancellationToken).ConfigureAwait(false);
                reporter.Verbose($"{source} -> {target}: {_transactions:N0} transactions applied, LSN {fromLsn} -> {_published}.");
                return new ChangeSyncResult
                {
                    RunId = runId, Slot = slot, Table = source, Collection = target, FromLsn = fromLsn, ToLsn = _published.ToString(),
                    Transactions = _transactions, Inserted = _inserted, Updated = _updated, Deleted = _deleted,
                    Lag = lag, LagBytes = lagBytes, Duration = clock.Elapsed,
                };
            }
            catch (Exception e) when (MongoEndpoint.IsUnreachable(e))
            {
                reporter.Warning($"MongoDB stopped answering: the end of the run is not recorded in {database.DatabaseNamespace}.{options.StatisticsCollection}, and the lock on {target} expires by itself after {options.LeaseDuration}. The slot keeps every change not yet acknowledged.");
                throw;
            }
            catch (Exception e)
            {
                var stopped = e is OperationCanceledException;
                var message = stopped ? "Stopped by the user." : Translate(options, e, source).Message;
                var fields = Counters().Add("status", stopped ? FullSyncStatus.Aborted : FullSyncStatus.Failed).Add("error", message).Add("finishedAt", DateTime.UtcNow);
                await options.Mongo.CleanUpAsync(token => _statistics.UpdateAsync(fields, token), $"Could not record the end of the run in {database.DatabaseNamespace}", target, reporter).ConfigureAwait(false);
                throw;
            }
        }

        private BsonDocument Counters() => new()
        {
            { "lsn", _published.ToString() }, { "transactions", _transactions }, { "inserted", _inserted }, { "updated", _updated }, { "deleted", _deleted },
        };

        /// <summary>Reads the slot from the published LSN, applying as it goes, until caught up with <paramref name="serverEnd"/> (or, with -Follow, until stopped).</summary>
        private async Task StreamAsync(NpgsqlLogSequenceNumber serverEnd, Stopwatch clock, CancellationToken cancellationToken)
        {
            using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            var messages = PgOutputConnectionExtensions.StartReplication(_replication, new PgOutputReplicationSlot(slot), new PgOutputReplicationOptions(publication, PgOutputProtocolVersion.V1), stop.Token, _published)
                .GetAsyncEnumerator(stop.Token);
            var housekeeping = Stopwatch.StartNew();
            Task<bool>? next = null;
            try
            {
                while (true)
                {
                    next = messages.MoveNextAsync().AsTask();
                    while (!next.IsCompleted)
                    {
                        if (await Task.WhenAny(next, Task.Delay(IdleFlush, cancellationToken)).ConfigureAwait(false) == next) break;
                        cancellationToken.ThrowIfCancellationRequested();
                        // Idle: write what has come, and follow the server's position while nothing of the table is open.
                        await FlushAsync(cancellationToken).ConfigureAwait(false);
                        if (!_inTransaction && _replication.LastReceivedLsn > _published) await PublishAsync(_replication.LastReceivedLsn, cancellationToken).ConfigureAwait(false);
                        if (await HousekeepingAsync(housekeeping, clock, serverEnd, cancellationToken).ConfigureAwait(false)) return;
                    }

                    if (!await next.ConfigureAwait(false)) return; // the server ended the stream
                    next = null;
                    await HandleAsync(messages.Current, cancellationToken).ConfigureAwait(false);
                    if (_stopAfterTransaction && !_inTransaction)
                    {
                        await FlushAsync(cancellationToken).ConfigureAwait(false);
                        return;
                    }

                    // Also inside a long transaction (of this table or others): the lease is renewed and the time limit looked at.
                    if (_changes.Count >= options.BatchSize || housekeeping.Elapsed > Housekeeping)
                    {
                        await FlushAsync(cancellationToken).ConfigureAwait(false);
                        if (await HousekeepingAsync(housekeeping, clock, serverEnd, cancellationToken).ConfigureAwait(false)) return;
                    }
                }
            }
            finally
            {
                // The stream ends by cancellation: settle the read in flight, then close the stream.
                stop.Cancel();
                try
                {
                    if (next is not null) await next.ConfigureAwait(false);
                    await messages.DisposeAsync().ConfigureAwait(false);
                }
                catch (Exception e) when (e is OperationCanceledException || (stop.IsCancellationRequested && e is NpgsqlException))
                {
                    // Cancelled as asked.
                }
            }
        }

        /// <summary>Renews the lease, records progress, and says whether to stop: caught up (without -Follow), out of time, or asked to.</summary>
        private async Task<bool> HousekeepingAsync(Stopwatch since, Stopwatch clock, NpgsqlLogSequenceNumber serverEnd, CancellationToken cancellationToken)
        {
            var caughtUp = !options.Follow && !_inTransaction && _changes.Count == 0 && _replication.LastReceivedLsn >= serverEnd;
            var timeUp = clock.Elapsed > options.MaxDuration;
            if (!caughtUp && since.Elapsed < Housekeeping && (!timeUp || _stopAfterTransaction)) return false;
            since.Restart();
            await lease.RenewAsync(cancellationToken).ConfigureAwait(false);
            var lagBytes = await LagBytesAsync(cancellationToken).ConfigureAwait(false);
            var abortRequested = await _statistics.UpdateAsync(Counters().Add("lagBytes", lagBytes), cancellationToken).ConfigureAwait(false);
            var activity = $"Applying the changes of {source} to {target}";
            var status = $"{_transactions:N0} transactions, LSN {_published}, {lagBytes:N0} bytes behind";
            reporter.Progress(options.Follow
                ? new JobProgress(activity, _transactions, null, status)
                : new JobProgress(activity, Math.Min((long)(ulong)_replication.LastReceivedLsn, (long)(ulong)serverEnd) - _from, Math.Max(1, (long)(ulong)serverEnd - _from), status));
            var why = abortRequested ? "as asked (abortRequested)" : timeUp ? $"at the time limit ({options.MaxDuration})" : null;
            if (why is null || _stopAfterTransaction) return caughtUp;
            // Never between a transaction's changes of the table: the collection would hold a state the table never had until
            // the next run. A transaction with none of them so far can be left: the next run reads it again from its start.
            _stopAfterTransaction = _inTransaction && _transactionChanges > 0;
            reporter.Verbose($"{target}: stopping {why}{(_stopAfterTransaction ? ", after the transaction being read" : "")}.");
            return !_stopAfterTransaction;
        }

        private async Task HandleAsync(PgOutputReplicationMessage message, CancellationToken cancellationToken)
        {
            switch (message)
            {
                case BeginMessage:
                    _inTransaction = true;
                    _transactionChanges = 0;
                    break;
                case RelationMessage relation when relation.Namespace == options.Schema && relation.RelationName == options.Table:
                    CheckColumns(relation);
                    _relation = relation.RelationId;
                    break;
                case InsertMessage insert when insert.Relation.RelationId == _relation:
                    var inserted = await ReadAsync(insert.NewRow, cancellationToken).ConfigureAwait(false);
                    Add(new Change(ChangeKind.Insert, inserted.Row, null));
                    break;
                case IndexUpdateMessage update when update.Relation.RelationId == _relation:
                    await UpdateAsync(await ReadAsync(update.Key, cancellationToken).ConfigureAwait(false), false, update.NewRow, cancellationToken).ConfigureAwait(false);
                    break;
                case FullUpdateMessage update when update.Relation.RelationId == _relation:
                    await UpdateAsync(await ReadAsync(update.OldRow, cancellationToken).ConfigureAwait(false), true, update.NewRow, cancellationToken).ConfigureAwait(false);
                    break;
                case UpdateMessage update when update.Relation.RelationId == _relation:
                    await UpdateAsync(null, false, update.NewRow, cancellationToken).ConfigureAwait(false);
                    break;
                case KeyDeleteMessage delete when delete.Relation.RelationId == _relation:
                    Add(new Change(ChangeKind.Delete, (await ReadAsync(delete.Key, cancellationToken).ConfigureAwait(false)).Row, null));
                    break;
                case FullDeleteMessage delete when delete.Relation.RelationId == _relation:
                    Add(new Change(ChangeKind.Delete, (await ReadAsync(delete.OldRow, cancellationToken).ConfigureAwait(false)).Row, null));
                    break;
                case TruncateMessage truncate when truncate.Relations.Any(r => r.RelationId == _relation):
                    await FlushAsync(cancellationToken).ConfigureAwait(false);
                    throw new SyncToolsException(
                        $"{source} was truncated (at LSN {truncate.WalStart}): {target} still holds its documents, and the changes before are applied up to LSN {_published}. Run Start-FullSync to copy the table anew.",
                        JobErrorCategory.InvalidData, "ChangeSyncTruncated", source);
                case CommitMessage commit:
                    _inTransaction = false;
                    if (_transactionChanges > 0) _transactions++;
                    _lastCommit = (commit.TransactionEndLsn, commit.TransactionCommitTimestamp);
                    break;
            }
        }

        private void Add(Change change)
        {
            _changes.Add(change);
            _transactionChanges++;
        }

        /// <summary>
        /// An update: a new key (the old one from the old row or key, when it differs) deletes the old document first. The
        /// TOASTed values the WAL left out of the new row (unchanged) are taken from the old row when it is whole (REPLICA
        /// IDENTITY FULL). Without it, an update that changes the key (whose new document must be whole) or must pass the
        /// filter (which cannot be decided on NULLs) has them read from the table before it is written; otherwise its
        /// document keeps the stored ones.
        /// </summary>
        /// <param name="oldIsWhole">The old row holds every column (REPLICA IDENTITY FULL), not only the key.</param>
        private async Task UpdateAsync((string?[] Row, bool[]? Unchanged)? old, bool oldIsWhole, ReplicationTuple newRow, CancellationToken cancellationToken)
        {
            var (row, unchanged) = await ReadAsync(newRow, cancellationToken).ConfigureAwait(false);
            if (unchanged is not null && oldIsWhole && old is { } whole)
            {
                for (var i = 0; i < row.Length; i++)
                {
                    if (unchanged[i] && whole.Unchanged?[i] != true) (row[i], unchanged[i]) = (whole.Row[i], false);
                }

                if (!unchanged.Contains(true)) unchanged = null;
            }

            var keyChanged = old is { } before && before.Row[_keyIndex] != row[_keyIndex];
            if (keyChanged) Add(new Change(ChangeKind.Delete, old!.Value.Row, null));
            Add(new Change(ChangeKind.Update, row, unchanged, ReadCurrent: unchanged is not null && (keyChanged || pager.Filtered)));
        }

        /// <summary>
        /// The values the WAL left out of the changes that need them, read from the table as it is now: the value an
        /// update left unchanged, unless a later change altered it too, which follows in the stream and is written after.
        /// A row gone since keeps them out (its delete follows).
        /// </summary>
        private async Task ReadCurrentAsync(CancellationToken cancellationToken)
        {
            var needing = _changes.Select((change, at) => (change, at)).Where(c => c.change.ReadCurrent).ToList();
            if (needing.Count == 0) return;
            var current = await pager.CurrentRowsAsync(pg, needing.Select(c => c.change.Row[_keyIndex]!).Distinct().ToList(), cancellationToken).ConfigureAwait(false);
            foreach (var (change, at) in needing)
            {
                if (!current.TryGetValue(change.Row[_keyIndex]!, out var now)) continue;
                var row = change.Row.Select((value, column) => change.Unchanged![column] ? now[column] : value).ToArray();
                _changes[at] = change with { Row = row, Unchanged = null, ReadCurrent = false };
            }
        }

        private async Task<(string?[] Row, bool[]? Unchanged)> ReadAsync(ReplicationTuple tuple, CancellationToken cancellationToken)
        {
            var row = new string?[pager.Columns.Count];
            bool[]? unchanged = null;
            var i = 0;
            await foreach (var value in tuple.ConfigureAwait(false))
            {
                switch (value.Kind)
                {
                    case TupleDataKind.TextValue: row[i] = await value.Get<string>(cancellationToken).ConfigureAwait(false); break;
                    case TupleDataKind.UnchangedToastedValue: (unchanged ??= new bool[row.Length])[i] = true; break;
                }

                i++;
            }

            return (row, unchanged);
        }

        /// <summary>The table as the stream describes it must be the table the run read from the catalogue.</summary>
        private void CheckColumns(RelationMessage relation)
        {
            var streamed = relation.Columns.Select(c => $"{c.ColumnName} ({c.DataTypeId}, {c.TypeModifier})").ToList();
            var known = pager.Columns.Select(c => $"{c.Name} ({c.TypeOid}, {c.TypeModifier})").ToList();
            if (streamed.SequenceEqual(known)) return;
            throw new SyncToolsException(
                $"The columns of {source} changed (at LSN {relation.WalStart}): now {string.Join(", ", streamed)}, where the run started with {string.Join(", ", known)} (name (type OID, modifier)). "
                + $"Changes are applied up to LSN {_published}. Run Start-FullSync to copy the table as it is now.",
                JobErrorCategory.InvalidData, "ChangeSyncTableChanged", source);
        }

        /// <summary>
        /// Writes every change so far, then publishes the end of the last transaction wholly written: also when the
        /// transactions since were all of other tables, so that the slot moves on with nothing to write.
        /// </summary>
        private async Task FlushAsync(CancellationToken cancellationToken)
        {
            if (_changes.Count > 0) await WriteChangesAsync(cancellationToken).ConfigureAwait(false);
            if (_lastCommit is not { } last) return;
            _lastCommit = null;
            _lastApplied = last.At;
            await PublishAsync(last.End, cancellationToken).ConfigureAwait(false);
        }

        /// <summary>Every change so far, in unordered bulk writes split where a key repeats.</summary>
        private async Task WriteChangesAsync(CancellationToken cancellationToken)
        {
            await ReadCurrentAsync(cancellationToken).ConfigureAwait(false);
            var documents = await pager.DocumentsFromTextAsync(pg, _changes.Select(c => c.Row).ToList(), cancellationToken).ConfigureAwait(false);
            var bulk = new List<WriteModel<RawBsonDocument>>();
            var keys = new HashSet<BsonValue>();
            for (var i = 0; i < _changes.Count; i++)
            {
                var (document, selected) = documents[i];
                if (!selected && _changes[i].Kind == ChangeKind.Insert) continue; // outside the full sync's filter
                var id = document["_id"];
                if (!keys.Add(id))
                {
                    // The same key again: its earlier change must be acknowledged first, so that the two land in order.
                    await WriteAsync(bulk, cancellationToken).ConfigureAwait(false);
                    keys.Clear();
                    keys.Add(id);
                }

                // An update that takes the row out of the filter removes its document.
                bulk.Add(Model(selected ? _changes[i] : _changes[i] with { Kind = ChangeKind.Delete }, document, id));
            }

            await WriteAsync(bulk, cancellationToken).ConfigureAwait(false);
            _changes.Clear();
        }

        private WriteModel<RawBsonDocument> Model(Change change, RawBsonDocument document, BsonValue id)
        {
            if (change.Kind == ChangeKind.Insert) return new InsertOneModel<RawBsonDocument>(document);
            var filter = new BsonDocumentFilterDefinition<RawBsonDocument>(new BsonDocument("_id", id));
            if (change.Kind == ChangeKind.Delete) return new DeleteOneModel<RawBsonDocument>(filter);
            if (change.Unchanged is null) return Replace(document, id);
            // The WAL left unchanged TOAST values out: set the columns it carried, keep the stored ones.
            var left = pager.Columns.Where((_, at) => change.Unchanged[at]).Select(c => c.Name).ToHashSet();
            var fields = new BsonDocument(document.Where(e => e.Name != "_id" && !left.Contains(e.Name)));
            return new UpdateOneModel<RawBsonDocument>(filter, new BsonDocument("$set", fields)) { IsUpsert = true };
        }

        private static ReplaceOneModel<RawBsonDocument> Replace(RawBsonDocument document, BsonValue id) =>
            new(new BsonDocumentFilterDefinition<RawBsonDocument>(new BsonDocument("_id", id)), document) { IsUpsert = true };

        /// <summary>One unordered bulk write; an insert whose document is already there (a change delivered again) becomes a replace.</summary>
        private async Task WriteAsync(List<WriteModel<RawBsonDocument>> bulk, CancellationToken cancellationToken)
        {
            if (bulk.Count == 0) return;
            BulkWriteResult<RawBsonDocument> result;
            try
            {
                result = await _collection.BulkWriteAsync(bulk, new BulkWriteOptions { IsOrdered = false }, cancellationToken).ConfigureAwait(false);
            }
            catch (MongoBulkWriteException<RawBsonDocument> e) when (e.WriteConcernError is null
                && e.WriteErrors.All(w => MongoEndpoint.IsDuplicateKey(w.Code, w.Message) && bulk[w.Index] is InsertOneModel<RawBsonDocument>))
            {
                Count(e.Result);
                var again = e.WriteErrors.Select(w => ((InsertOneModel<RawBsonDocument>)bulk[w.Index]).Document).Select(d => Replace(d, d["_id"])).ToList();
                result = await _collection.BulkWriteAsync(again, new BulkWriteOptions { IsOrdered = false }, cancellationToken).ConfigureAwait(false);
            }

            Count(result);
            bulk.Clear();
        }

        private void Count(BulkWriteResult<RawBsonDocument> result)
        {
            _inserted += result.InsertedCount + result.Upserts.Count;
            _updated += result.MatchedCount;
            _deleted += result.DeletedCount;
        }

        /// <summary>Moves the published LSN and the slot's confirmed position: everything before <paramref name="lsn"/> is in the collection.</summary>
        private async Task PublishAsync(NpgsqlLogSequenceNumber lsn, CancellationToken cancellationToken)
        {
            if (lsn <= _published) return;
            var text = lsn.ToString();
            await database.GetCollection<BsonDocument>(options.LsnCollection).UpdateOneAsync(
                new BsonDocument("_id", lsnId),
                new BsonDocument("$set", new BsonDocument
                {
                    { "lsn", text }, { "lsnBase64", Convert.ToBase64String(Encoding.ASCII.GetBytes(text)) },
                    { "appliedBy", Name }, { "appliedRunId", runId.ToString() }, { "appliedAt", DateTime.UtcNow },
                }),
                cancellationToken: cancellationToken).ConfigureAwait(false);
            _published = lsn;
            _replication.SetReplicationStatus(lsn);
            await _replication.SendStatusUpdate(cancellationToken).ConfigureAwait(false);
        }

        /// <summary>
        /// The stream ends by cancellation, which can drop the last acknowledgement still on its way to the server: once
        /// the slot is free, move its confirmed position to the LSN published (never backwards).
        /// </summary>
        private async Task ConfirmPublishedAsync(CancellationToken cancellationToken)
        {
            for (var attempt = 0; ; attempt++)
            {
                await using var command = new NpgsqlCommand(
                    "SELECT pg_replication_slot_advance(slot_name, $2::pg_lsn) FROM pg_replication_slots WHERE slot_name = $1 AND confirmed_flush_lsn < $2::pg_lsn", pg);
                command.Parameters.Add(new() { Value = slot });
                command.Parameters.Add(new() { Value = _published.ToString() });
                try
                {
                    await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                    return;
                }
                catch (PostgresException e) when (e.SqlState == "55006" && attempt < 50)
                {
                    await Task.Delay(100, cancellationToken).ConfigureAwait(false); // the stream's server process is still leaving
                }
            }
        }

        private async Task<NpgsqlLogSequenceNumber> CurrentWalAsync(CancellationToken cancellationToken)
        {
            await using var command = new NpgsqlCommand("SELECT pg_current_wal_lsn()", pg);
            return (NpgsqlLogSequenceNumber)(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
        }

        private async Task<long> LagBytesAsync(CancellationToken cancellationToken)
        {
            await using var command = new NpgsqlCommand("SELECT greatest(pg_current_wal_lsn() - $1::pg_lsn, 0)::bigint", pg);
            command.Parameters.Add(new() { Value = _published.ToString() });
            return (long)(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
        }
    }
}

using System.Diagnostics;
using System.Text;
using MongoDB.Bson;
using MongoDB.Driver;
using Npgsql;
using SyncTools.Core.Jobs;
using SyncTools.Core.MongoDb;
using SyncTools.Core.PostgreSql;
using SyncTools.Core.Status;

namespace SyncTools.Core.FullSync;

/// <summary>
/// Copies a PostgreSQL table into MongoDB by temp-collection swap. Before the copy, the target is locked (a lease) and
/// the slot's latest LSN for the table is taken; the table is then paged by key into a temporary collection, the next
/// page read while the previous one is written, with the job's statistics document updated after every page. Only
/// when every page is in and the temporary collection holds exactly the rows read is it renamed over the live
/// collection in one step, and only then is the LSN published for change capture. A run that stops or fails leaves the
/// live collection and the published LSN as they were; -Resume continues it from its last committed page.
/// </summary>
public static class StartFullSyncJob
{
    public const string Name = "Start-FullSync";

    /// <summary>The temporary collection is the live one's name with this suffix.</summary>
    public const string TempSuffix = "_fullsync_tmp";

    /// <returns>The run, or null when the write was declined (-WhatIf, or "no" at -Confirm).</returns>
    public static async Task<FullSyncResult?> RunAsync(FullSyncOptions options, IJobReporter reporter, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        var runId = Guid.NewGuid();
        var source = options.SourceName;
        var slotName = Validate(options);
        try
        {
            await using var pg = await options.Postgres.OpenAsync(cancellationToken).ConfigureAwait(false);
            var pager = await KeysetPager.CreateAsync(pg, options.Schema, options.Table, options.PrimaryKey, options.Where, options.PageSize, cancellationToken).ConfigureAwait(false);
            var slot = await ReplicationSlot.OpenAsync(pg, slotName, cancellationToken).ConfigureAwait(false);
            if (slot.Plugin == ReplicationSlot.PgOutputPlugin)
            {
                if (options.CreateRefresherJobs)
                {
                    throw new SyncToolsException($"-CreateRefresherJobs reads test_decoding slots; '{slot.Name}' is a pgoutput slot, whose changes Start-ChangeSync applies itself.",
                        JobErrorCategory.InvalidArgument, "FullSyncRefresherJobsNeedTestDecoding", slot.Name);
                }

                // Before the LSN is taken: the stream carries the table's changes only from the publication's creation.
                var publication = options.Publication ?? slot.Name;
                if (!await Publication.EnsureAsync(pg, publication, options.Schema, options.Table, options.CreatePublication, action => reporter.ShouldProcess(source, action), cancellationToken).ConfigureAwait(false))
                {
                    return null;
                }
            }

            var total = await pager.CountAsync(pg, cancellationToken).ConfigureAwait(false);

            var databaseName = options.Database ?? options.Mongo.DatabaseName
                ?? throw new SyncToolsException("Name the MongoDB database: -Database, or a path in the connection string.", JobErrorCategory.InvalidArgument, "MongoDatabaseMissing");
            var run = new Run(options, reporter, runId, source, $"{databaseName}.{options.Collection}", options.Mongo.Client.GetDatabase(databaseName), pg, pager, slot, total);
            return await run.ExecuteAsync(clock, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            throw Translate(options, e, source).OfRun(runId);
        }
    }

    private static string Validate(FullSyncOptions options)
    {
        if (options.PageSize is < 1 or > FullSyncOptions.MaxPageSize)
        {
            throw new SyncToolsException($"The page size must be 1 to {FullSyncOptions.MaxPageSize:N0}.", JobErrorCategory.InvalidArgument, "PageSizeInvalid", options.PageSize);
        }

        MongoEndpoint.ValidateWritableCollections(options.Collection, options.StatisticsCollection, options.LsnCollection, options.RefresherCollection);
        return ReplicationSlot.ResolveName(options.SlotName);
    }

    /// <summary>
    /// Live counts of a past run's source and target: the source table's rows under the filter and key of the job's
    /// latest run into <paramref name="target"/> (from its statistics in the default collection), and the documents
    /// of the collection. Nothing is counted (nulls) when no statistics of a run into the target are found.
    /// </summary>
    /// <param name="postgres">The source's server, on its database.</param>
    /// <param name="source">The table, as the journal keeps it (its path: schema and table).</param>
    /// <param name="target">The collection, as the journal keeps it.</param>
    public static async Task<(long? Source, long? Target)> LiveCountsAsync(PgSource postgres, MongoEndpoint mongo, SyncEndpoint source, SyncEndpoint target, CancellationToken cancellationToken)
    {
        if (source.Path is not [var schema, var table] || target.Path is not [var collection]) return (null, null);
        (bool Found, string? Where, string? Key) last;
        long documents;
        try
        {
            var database = mongo.Client.GetDatabase(target.Database);
            // The statistics name source and target as the run's result does: "database.schema.table" and "database.collection".
            last = await LastRunAsync(database, FullSyncOptions.DefaultStatisticsCollection, $"{source.Database}.{schema}.{table}", $"{target.Database}.{collection}", cancellationToken).ConfigureAwait(false);
            documents = await database.GetCollection<BsonDocument>(collection).CountDocumentsAsync(FilterDefinition<BsonDocument>.Empty, cancellationToken: cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            throw mongo.Translate(e, target.ToString());
        }

        if (!last.Found) return (null, documents);
        var (_, where, key) = last;
        try
        {
            await using var connection = await postgres.OpenAsync(cancellationToken).ConfigureAwait(false);
            var pager = await KeysetPager.CreateAsync(connection, schema, table, key, where, 1, cancellationToken).ConfigureAwait(false);
            return (await pager.CountAsync(connection, cancellationToken).ConfigureAwait(false), documents);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            throw postgres.Translate(e, source.ToString());
        }
    }

    /// <summary>The filter and key of the latest run from <paramref name="source"/> into <paramref name="target"/> recorded in the statistics collection, if any.</summary>
    public static async Task<(bool Found, string? Where, string? Key)> LastRunAsync(IMongoDatabase database, string statisticsCollection, string source, string target, CancellationToken cancellationToken)
    {
        var statistics = await database.GetCollection<BsonDocument>(statisticsCollection)
            .Find(new BsonDocument { { "job", Name }, { "target", target }, { "source", source } }).Sort(new BsonDocument("updatedAt", -1)).Limit(1)
            .FirstOrDefaultAsync(cancellationToken).ConfigureAwait(false);
        string? Text(string field) => statistics?.GetValue(field, BsonNull.Value) is BsonString text ? text.Value : null;
        return (statistics is not null, Text("where"), Text("key"));
    }

    /// <summary>The statistics document's _id.</summary>
    public static string JobName(FullSyncOptions options, string target) => options.JobName ?? $"fullsync:{target}";

    private static SyncToolsException Translate(FullSyncOptions options, Exception e, string source) => e switch
    {
        SyncToolsException known => known,
        NpgsqlException => options.Postgres.Translate(e, source),
        _ => options.Mongo.Translate(e, options.TargetName),
    };

    /// <summary>Where a run starts copying: after a key (null: the beginning), with rows already copied and the LSN of the copy.</summary>
    private sealed record StartPoint(string? LastKey, long Copied, string Lsn, string? ResumedFrom);

    private sealed class Run(FullSyncOptions options, IJobReporter reporter, Guid runId, string source, string target,
        IMongoDatabase database, NpgsqlConnection pg, KeysetPager pager, ReplicationSlot slot, long total)
    {
        private readonly string _temp = options.Collection + TempSuffix;
        private readonly string _job = JobName(options, target);
        private readonly JobStatistics _statistics = new(database.GetCollection<BsonDocument>(options.StatisticsCollection), JobName(options, target), runId);

        public async Task<FullSyncResult?> ExecuteAsync(Stopwatch clock, CancellationToken cancellationToken)
        {
            if (await TargetLease.HolderAsync(database, target, cancellationToken).ConfigureAwait(false) is { } holder)
            {
                reporter.Warning($"{target} is locked by {holder}: a run now would be refused.");
            }

            var lsn = await slot.LatestLsnAsync(pg, options.Schema, options.Table, options.Publication ?? slot.Name, cancellationToken).ConfigureAwait(false);
            var action = options.Resume
                ? $"Resume the last run of {_job}: copy the rest of {source} into {_temp}, then replace {target} with it"
                : $"Copy {total:N0} rows of {source} into {_temp}, then replace {target} with it; change capture to resume after LSN {lsn}";
            if (!reporter.ShouldProcess(target, action)) return null;

            var lease = await TargetLease.AcquireAsync(database, target, runId, options.LeaseDuration, cancellationToken).ConfigureAwait(false);
            var unreachable = false; // then a clean-up write would only wait out another timeout
            try
            {
                var start = options.Resume ? await ResumePointAsync(cancellationToken).ConfigureAwait(false) : await StartCleanAsync(lsn, cancellationToken).ConfigureAwait(false);
                var copyClock = Stopwatch.StartNew();
                var copied = await CopyAsync(start, lease, clock, copyClock, cancellationToken).ConfigureAwait(false);
                var copiedThisRun = copied - start.Copied;
                var (targetRows, sourceRows) = await SwapAsync(copied, start.Lsn, lease, cancellationToken).ConfigureAwait(false);
                await PublishLsnAsync(start.Lsn, cancellationToken).ConfigureAwait(false);
                var refresherJobs = options.CreateRefresherJobs ? await CreateRefresherJobsAsync(start.Lsn, cancellationToken).ConfigureAwait(false) : 0;
                await _statistics.UpdateAsync(new BsonDocument
                {
                    { "status", FullSyncStatus.Finished }, { "finishedAt", DateTime.UtcNow },
                    { "sourceRows", sourceRows }, { "targetRows", targetRows }, { "refresherJobs", refresherJobs },
                }, cancellationToken).ConfigureAwait(false);
                if (targetRows < sourceRows)
                {
                    reporter.Warning($"{target} holds {targetRows:N0} documents, {source} {sourceRows:N0} rows now: rows added during the copy arrive through change capture.");
                }

                reporter.Verbose($"{source} -> {target}: {copied:N0} rows copied, LSN {start.Lsn}, {refresherJobs:N0} refresher jobs.");
                return new FullSyncResult
                {
                    RunId = runId,
                    Source = source,
                    Target = target,
                    Lsn = start.Lsn,
                    SourceRows = sourceRows,
                    CopiedRows = copied,
                    TargetRows = targetRows,
                    RefresherJobs = refresherJobs,
                    Status = FullSyncStatus.Finished,
                    Duration = clock.Elapsed,
                    RowsPerSecond = Math.Round(copiedThisRun / Math.Max(copyClock.Elapsed.TotalSeconds, 1e-3), 1),
                };
            }
            catch (Exception e) when (MongoEndpoint.IsUnreachable(e))
            {
                unreachable = true;
                reporter.Warning($"MongoDB stopped answering: the end of the run is not recorded in {database.DatabaseNamespace}.{options.StatisticsCollection}, and the lock on {target} expires by itself after {options.LeaseDuration}.");
                throw;
            }
            catch (Exception e)
            {
                var stopped = e is OperationCanceledException or JobAbortedException;
                var message = e is OperationCanceledException ? "Stopped by the user." : Translate(options, e, source).Message;
                await Finally(token => _statistics.FinishAsync(stopped ? FullSyncStatus.Aborted : FullSyncStatus.Failed, message, token)).ConfigureAwait(false);
                throw;
            }
            finally
            {
                if (!unreachable) await Finally(lease.ReleaseAsync).ConfigureAwait(false);
            }
        }

        /// <summary>A clean-up step that must run even when the run was cancelled; its own failure is only a warning.</summary>
        private Task Finally(Func<CancellationToken, Task> step) =>
            options.Mongo.CleanUpAsync(step, $"Could not record the end of the run in {database.DatabaseNamespace}", database.DatabaseNamespace.DatabaseName, reporter);

        private async Task<StartPoint> StartCleanAsync(string lsn, CancellationToken cancellationToken)
        {
            await database.DropCollectionAsync(_temp, cancellationToken).ConfigureAwait(false);
            await database.CreateCollectionAsync(_temp, cancellationToken: cancellationToken).ConfigureAwait(false);
            await KeyIndexAsync(cancellationToken).ConfigureAwait(false);
            await _statistics.StartAsync(Fields(lsn, copied: 0, lastKey: null), cancellationToken).ConfigureAwait(false);
            await LsnDocument(new BsonDocument("$set", new BsonDocument
            {
                { "slot", slot.Name }, { "table", $"{options.Schema}.{options.Table}" },
                { "pendingLsn", lsn }, { "pendingLsnBase64", Base64(lsn) }, { "pendingRunId", runId.ToString() }, { "pendingSince", DateTime.UtcNow },
            }), cancellationToken).ConfigureAwait(false);
            return new StartPoint(null, 0, lsn, null);
        }

        private async Task<StartPoint> ResumePointAsync(CancellationToken cancellationToken)
        {
            var last = await _statistics.ReadAsync(cancellationToken).ConfigureAwait(false);
            string? Text(string field) => last?.GetValue(field, BsonNull.Value) is BsonString text ? text.Value : null;
            // RUNNING is resumable too: its process died (the lease it held has expired, or this run could not have taken it).
            if (last is null || Text("status") == FullSyncStatus.Finished || Text("source") != source || Text("lsn") is null
                || !await MongoEndpoint.CollectionExistsAsync(database, _temp, cancellationToken).ConfigureAwait(false))
            {
                throw new SyncToolsException(
                    $"Nothing to resume for {_job}: its last run {(last is null ? "is unknown" : $"({Text("status")}) copied from {Text("source")}")}, or {database.DatabaseNamespace}.{_temp} is gone. Run without -Resume to start over.",
                    JobErrorCategory.InvalidOperation, "FullSyncNothingToResume", _job);
            }

            // What is copied must not change between the run and its resumption, or the swap would hold two different copies.
            var differences = new[] { ("key", pager.Key, "-PrimaryKey"), ("where", options.Where, "-Where") }
                .Where(d => (Text(d.Item1) ?? "") != (string.IsNullOrWhiteSpace(d.Item2) ? "" : d.Item2))
                .Select(d => $"{d.Item3} was {(Text(d.Item1) is { Length: > 0 } was ? $"'{was}'" : "not given")}, now {(string.IsNullOrWhiteSpace(d.Item2) ? "not given" : $"'{d.Item2}'")}")
                .ToList();
            if (differences.Count > 0)
            {
                throw new SyncToolsException(
                    $"-Resume continues the last run of {_job} as it was: {string.Join("; ", differences)}. Resume with the same options, or run without -Resume to start over.",
                    JobErrorCategory.InvalidArgument, "FullSyncResumeOptionsDiffer", _job);
            }

            var start = new StartPoint(
                Text("lastKey"),
                last.GetValue("rowsCopied", 0).ToInt64(),
                Text("lsn")!,
                Text("runId"));
            await _statistics.StartAsync(Fields(start.Lsn, start.Copied, start.LastKey).Add("resumedFrom", BsonValue.Create(start.ResumedFrom)), cancellationToken).ConfigureAwait(false);
            reporter.Verbose($"Resuming run {start.ResumedFrom} after key {start.LastKey ?? "(none)"}: {start.Copied:N0} rows already in {_temp}.");
            return start;
        }

        private BsonDocument Fields(string lsn, long copied, string? lastKey) => new()
        {
            { "job", Name }, { "source", source }, { "target", target }, { "tempCollection", _temp }, { "key", pager.Key },
            { "lsn", lsn }, { "lsnBase64", Base64(lsn) }, { "totalRows", total }, { "rowsCopied", copied }, { "lastKey", BsonValue.Create(lastKey) },
            { "where", BsonValue.Create(options.Where) },
        };

        /// <summary>Pages the source into the temporary collection; the next page is read while the previous one is written.</summary>
        private async Task<long> CopyAsync(StartPoint start, TargetLease lease, Stopwatch clock, Stopwatch copyClock, CancellationToken cancellationToken)
        {
            var temp = database.GetCollection<RawBsonDocument>(_temp);
            var copied = start.Copied;
            (SourcePage Page, Task Write)? writing = null;
            async Task Committed()
            {
                var (page, write) = writing!.Value;
                await write.ConfigureAwait(false);
                copied += page.Documents.Count;
                await AfterPageAsync(copied, start.Copied, page.LastKey, lease, clock, copyClock, cancellationToken).ConfigureAwait(false);
            }

            try
            {
                await foreach (var page in pager.ReadAsync(pg, start.LastKey, cancellationToken).ConfigureAwait(false))
                {
                    if (writing is not null) await Committed().ConfigureAwait(false);
                    writing = (page, InsertAsync(temp, page.Documents, cancellationToken));
                }
            }
            catch when (writing is not null)
            {
                await Task.WhenAny(writing.Value.Write).ConfigureAwait(false); // settle the write in flight before the run records its end
                throw;
            }

            if (writing is not null) await Committed().ConfigureAwait(false);
            return copied;
        }

        private static async Task InsertAsync(IMongoCollection<RawBsonDocument> temp, IReadOnlyList<RawBsonDocument> documents, CancellationToken cancellationToken)
        {
            try
            {
                await temp.InsertManyAsync(documents, new InsertManyOptions { IsOrdered = false }, cancellationToken).ConfigureAwait(false);
            }
            catch (MongoBulkWriteException<RawBsonDocument> e) when (e.WriteConcernError is null && e.WriteErrors.All(error => MongoEndpoint.IsDuplicateKey(error.Code, error.Message)))
            {
                // Already there: a resumed run re-reads the page whose commit was not recorded.
            }
        }

        private async Task AfterPageAsync(long copied, long before, string lastKey, TargetLease lease, Stopwatch clock, Stopwatch copyClock, CancellationToken cancellationToken)
        {
            var rate = (copied - before) / Math.Max(copyClock.Elapsed.TotalSeconds, 1e-3);
            var percent = total > 0 ? Math.Min(100, Math.Round(copied * 100.0 / total, 1)) : 100;
            var abortRequested = await _statistics.UpdateAsync(new BsonDocument
            {
                { "rowsCopied", copied }, { "lastKey", BsonValue.Create(lastKey) }, { "percent", percent }, { "rowsPerSecond", Math.Round(rate, 1) },
                { "elapsedSeconds", Math.Round(clock.Elapsed.TotalSeconds, 1) }, { "elapsed", clock.Elapsed.ToString(@"hh\:mm\:ss", System.Globalization.CultureInfo.InvariantCulture) },
            }, cancellationToken).ConfigureAwait(false);
            reporter.Progress(new JobProgress($"Copying {source} to {target}", copied, Math.Max(total, copied), $"{copied:N0} of {total:N0} rows, {rate:N0} rows/s"));
            await lease.RenewAsync(cancellationToken).ConfigureAwait(false);
            if (abortRequested)
            {
                throw new JobAbortedException($"{_job} was asked to stop (abortRequested) after {copied:N0} rows; {target} is untouched. Continue with -Resume.", "FullSyncAbortRequested", target).OfRun(runId);
            }

            if (clock.Elapsed > options.MaxDuration)
            {
                throw new JobAbortedException($"{_job} reached its time limit ({options.MaxDuration}) after {copied:N0} rows; {target} is untouched. Continue with -Resume.", "FullSyncTimeLimit", target).OfRun(runId);
            }
        }

        /// <summary>
        /// Replaces the live collection with the copy, after checking the copy against what this run copied and against
        /// the source under the run's filter: a difference in rows must be one the changes in the slot since
        /// <paramref name="lsn"/> can explain (they reach the collection through change capture).
        /// </summary>
        /// <returns>The documents now live, and the source's rows under the filter.</returns>
        private async Task<(long Documents, long SourceRows)> SwapAsync(long copied, string lsn, TargetLease lease, CancellationToken cancellationToken)
        {
            var temp = database.GetCollection<BsonDocument>(_temp);
            var count = await temp.CountDocumentsAsync(FilterDefinition<BsonDocument>.Empty, cancellationToken: cancellationToken).ConfigureAwait(false);
            if (count != copied)
            {
                throw new SyncToolsException($"{database.DatabaseNamespace}.{_temp} holds {count:N0} documents where {copied:N0} rows were copied: {target} is not replaced.", JobErrorCategory.InvalidData, "FullSyncCountMismatch", target);
            }

            var sourceRows = await pager.CountAsync(pg, cancellationToken).ConfigureAwait(false);
            if (sourceRows != count
                && Math.Abs(sourceRows - count) is var difference
                && await slot.ChangeCountAfterAsync(pg, options.Schema, options.Table, options.Publication ?? slot.Name, lsn, cancellationToken).ConfigureAwait(false) is var changes
                && difference > changes)
            {
                throw new SyncToolsException(
                    $"{database.DatabaseNamespace}.{_temp} holds {count:N0} documents and {source} {sourceRows:N0} rows{(string.IsNullOrWhiteSpace(options.Where) ? "" : $" where {options.Where}")}: " +
                    $"{difference:N0} more than the {changes:N0} changes to {source} that change capture shows since LSN {lsn} can explain. {target} is not replaced; run again without -Resume.",
                    JobErrorCategory.InvalidData, "FullSyncSourceMismatch", target);
            }

            await KeyIndexAsync(cancellationToken).ConfigureAwait(false); // there since the copy began, unless it began before SyncTools made it then

            await lease.RenewAsync(cancellationToken).ConfigureAwait(false);
            await database.RenameCollectionAsync(_temp, options.Collection, new RenameCollectionOptions { DropTarget = true }, cancellationToken).ConfigureAwait(false);
            return (count, sourceRows);
        }

        /// <summary>
        /// The unique index on the key column the live collection carries, made on the empty temporary collection so that
        /// the copy fills it as it goes rather than a build over every document holding up the swap.
        /// </summary>
        private async Task KeyIndexAsync(CancellationToken cancellationToken)
        {
            if (pager.Key == "_id") return;
            await database.GetCollection<BsonDocument>(_temp).Indexes.CreateOneAsync(
                new CreateIndexModel<BsonDocument>(new BsonDocument(pager.Key, 1), new CreateIndexOptions { Unique = true }), cancellationToken: cancellationToken).ConfigureAwait(false);
        }

        /// <summary>After the swap (never before: a failed copy must not move change capture past what the live collection has).</summary>
        private Task PublishLsnAsync(string lsn, CancellationToken cancellationToken) =>
            LsnDocument(new BsonDocument
            {
                { "$set", new BsonDocument
                    {
                        { "slot", slot.Name }, { "table", $"{options.Schema}.{options.Table}" }, { "lsn", lsn }, { "lsnBase64", Base64(lsn) },
                        { "runId", runId.ToString() }, { "job", _job }, { "recordedAt", DateTime.UtcNow },
                    }
                },
                { "$unset", new BsonDocument { { "pendingLsn", "" }, { "pendingLsnBase64", "" }, { "pendingRunId", "" }, { "pendingSince", "" } } },
            }, cancellationToken);

        private Task LsnDocument(BsonDocument update, CancellationToken cancellationToken) =>
            database.GetCollection<BsonDocument>(options.LsnCollection).UpdateOneAsync(
                new BsonDocument("_id", $"{slot.Name}:{options.Schema}.{options.Table}"), update, new UpdateOptions { IsUpsert = true }, cancellationToken);

        /// <summary>One job per key changed in the source since the LSN (its last change's operation and LSN).</summary>
        private async Task<long> CreateRefresherJobsAsync(string lsn, CancellationToken cancellationToken)
        {
            var changes = await slot.ChangesAfterAsync(pg, options.Schema, options.Table, pager.Key, lsn, cancellationToken).ConfigureAwait(false);
            var latest = changes.GroupBy(c => c.Key).Select(g => g.Last()).ToList();
            if (latest.Count == 0) return 0;
            var ids = await pager.IdsAsync(pg, latest.Select(c => c.Key).ToList(), cancellationToken).ConfigureAwait(false);
            var now = DateTime.UtcNow;
            var jobs = latest.Select((change, i) => new BsonDocument
            {
                { "_id", ObjectId.GenerateNewId() }, { "job", _job }, { "runId", runId.ToString() }, { "source", source }, { "target", target },
                { "key", ids[i] }, { "operation", change.Operation }, { "lsn", change.Lsn }, { "status", "PENDING" }, { "createdAt", now },
            });
            var list = jobs.ToList();
            await database.GetCollection<BsonDocument>(options.RefresherCollection).InsertManyAsync(list, cancellationToken: cancellationToken).ConfigureAwait(false);
            return list.Count;
        }

        private static string Base64(string lsn) => Convert.ToBase64String(Encoding.ASCII.GetBytes(lsn));
    }
}

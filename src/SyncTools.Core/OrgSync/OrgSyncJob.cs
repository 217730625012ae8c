using System.Data.Common;
using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Text;
using System.Threading.Channels;
using SyncTools.Core.Jobs;
using SyncTools.Core.MySql;
using SyncTools.Core.Status;

namespace SyncTools.Core.OrgSync;

/// <summary>
/// Copies the LAAS database into the organizations database, table by table in foreign-key order. Each table is read
/// in target-key order over one read-only source transaction, beside the target table read in the same order on a
/// connection of its own; the two streams are compared a batch at a time, and only new or changed rows are written, as
/// one multi-row upsert per batch. A batch the target refuses is halved until the bad rows are found, which are reported
/// and left out; a transient failure retries the table from its last batch done.
/// </summary>
public static class OrgSyncJob
{
    public const string Name = "Invoke-OrgSync";

    /// <summary>How far before the last run's mark -Incremental reads, for transactions that were still open then.</summary>
    public static readonly TimeSpan IncrementalLookback = TimeSpan.FromMinutes(5);

    /// <param name="tableDone">Receives each table's result as soon as it is done, so a later failure does not hide it.</param>
    /// <returns>The run, or null for a preview (-WhatIf), which writes nothing.</returns>
    public static async Task<OrgSyncRun?> RunAsync(OrgSyncOptions options, IJobReporter reporter, Action<OrgSyncTableResult>? tableDone, CancellationToken cancellationToken)
    {
        if (options.BatchSize is < 1 or > OrgSyncOptions.MaxBatchSize)
        {
            throw new SyncToolsException($"The batch size must be from 1 to {OrgSyncOptions.MaxBatchSize:N0}.", JobErrorCategory.InvalidArgument, "BatchSizeInvalid", options.BatchSize);
        }

        var plans = TablePlan.All.Where(p => options.Tables.Count == 0 || options.Tables.Contains(p.Table)).ToList();
        IReadOnlySet<string> absent = new HashSet<string>();
        if (options.CreateTargetSchema)
        {
            if (options.Preview) absent = await TargetSchema.PreviewAsync(options.Target, options.TargetDatabase, reporter, cancellationToken).ConfigureAwait(false);
            else await TargetSchema.ApplyAsync(options.Target, options.TargetDatabase, reporter, cancellationToken).ConfigureAwait(false);
        }

        // Both sides' keys are read before the tables only where the tables' own pass cannot tell the stale rows:
        // -RemoveMissing removes (and bounds) them before anything is written, -Incremental reads few source rows, and a
        // table whose parent is not synced in the run needs the parent's keys.
        var keysFirst = options.RemoveMissing || options.ChangedSince is not null
                        || plans.Any(p => p.Parents.Any(parent => plans.All(q => q.TargetTable != parent.Table)));
        var missing = new MissingRows(options, reporter, absent);
        var run = new OrgSyncRunner(options, reporter, Guid.NewGuid(), absent, plans, findsStale: !keysFirst);
        await using var connections = new OrgSyncConnections(options);
        var source = await connections.SourceAsync(cancellationToken).ConfigureAwait(false);
        await Checked(options.Source, options.SourceName, () => MySqlIdentifiers.RequireColumnsAsync(source, options.SourceDatabase,
            plans.Select(p => (p.SourceTable, p.RequiredColumns)), "", cancellationToken)).ConfigureAwait(false);
        var targetTables = plans.Where(p => !absent.Contains(p.TargetTable)).ToList();
        if (targetTables.Count > 0)
        {
            var target = await connections.TargetAsync(cancellationToken).ConfigureAwait(false);
            await Checked(options.Target, options.TargetName, () => MySqlIdentifiers.RequireColumnsAsync(target, options.TargetDatabase,
                targetTables.Select(p => (p.TargetTable, (IEnumerable<string>)p.TargetColumns)), " Create it with -CreateTargetSchema, or apply sql/organizations.sql from the module folder.", cancellationToken)).ConfigureAwait(false);
        }

        var pagingKeys = new Dictionary<OrgSyncTable, string[]>();
        foreach (var plan in plans)
        {
            pagingKeys[plan.Table] = await Checked(options.Source, options.SourceName,
                () => MySqlIdentifiers.PagingKeyAsync(source, options.SourceDatabase, plan.SourceTable, cancellationToken)).ConfigureAwait(false);
        }

        var sourceClock = await Checked(options.Source, options.SourceName, async () =>
        {
            await using var command = source.CreateCommand();
            command.CommandText = "SELECT NOW()";
            return (DateTime)(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
        }).ConfigureAwait(false);
        if (options.ChangedSince is { } since) reporter.Verbose($"Incremental: rows of {options.SourceName} changed since {since:yyyy-MM-dd HH:mm:ss} (source clock).");

        var removed = new Dictionary<OrgSyncTable, long>();
        var stale = new List<StaleRows>();
        if (keysFirst)
        {
            reporter.Progress(new JobProgress(Name, 0, plans.Count, "Comparing the keys of both sides"));
            var wanted = await Checked(options.Source, options.SourceName, () => missing.WantedAsync(plans, connections, cancellationToken)).ConfigureAwait(false);
            var held = await Checked(options.Target, options.TargetName, () => missing.HeldAsync(wanted, connections, cancellationToken)).ConfigureAwait(false);
            stale = MissingRows.Find(plans, wanted, held);
            removed = await Checked(options.Target, options.TargetName, () => missing.ApplyAsync(stale, connections, cancellationToken)).ConfigureAwait(false);
            run.Start(wanted, held, options.RemoveMissing ? stale : []);
        }

        var results = new List<OrgSyncTableResult>();
        foreach (var plan in plans)
        {
            reporter.Progress(new JobProgress(Name, results.Count, plans.Count, $"{plan.Table}: table {results.Count + 1} of {plans.Count}"));
            long? left = keysFirst ? (options.RemoveMissing ? 0 : stale.First(r => r.Plan == plan).Keys.Count) : null;
            var result = await run.SyncTableAsync(new SourceTable(plan, pagingKeys[plan.Table]), removed.GetValueOrDefault(plan.Table), left, connections, cancellationToken).ConfigureAwait(false);
            results.Add(result);
            if (!options.Preview) tableDone?.Invoke(result);
        }

        if (!keysFirst) missing.Warn(plans.Zip(results, (plan, result) => (plan.TargetTable, result.Stale)));
        reporter.Progress(new JobProgress(Name, plans.Count, plans.Count, "Done"));
        await connections.CommitSourceAsync(cancellationToken).ConfigureAwait(false);
        if (options.Preview) return null;
        return new OrgSyncRun
        {
            RunId = run.RunId,
            Tables = results,
            HighWaterMark = plans.Count == TablePlan.All.Count ? new DateTimeOffset(DateTime.SpecifyKind(sourceClock, DateTimeKind.Utc)).ToUnixTimeSeconds() : 0,
        };
    }

    /// <summary>
    /// Where an -Incremental run starts: the mark of the last successful complete run into the same target from the same
    /// source, less <see cref="IncrementalLookback"/>; null when there is none (then the run is a full one).
    /// </summary>
    public static async Task<DateTime?> IncrementalSinceAsync(IRunJournal journal, OrgSyncOptions options, IJobReporter reporter, CancellationToken cancellationToken)
    {
        long mark = 0;
        var (endpoints, sourceName, targetName) = (options.Endpoints, options.SourceName, options.TargetName);
        await foreach (var entry in journal.ReadAsync(reporter, cancellationToken).ConfigureAwait(false))
        {
            // Entries from before the journal kept endpoints name source and target as "server:port/database".
            var same = entry.TargetEndpoint is null
                ? entry.Target == targetName && entry.Source == sourceName
                : entry.TargetEndpoint == endpoints.Target && entry.SourceEndpoint == endpoints.Source;
            if (entry is { Job: Name, Status: RunStatus.Succeeded } && same
                && entry.Counts.TryGetValue(nameof(OrgSyncRun.HighWaterMark), out var value) && value > 0)
            {
                mark = value;
            }
        }

        if (mark == 0)
        {
            reporter.Warning($"No complete successful run into {options.TargetName} is in the journal {journal.Location}: this run syncs every row.");
            return null;
        }

        return DateTimeOffset.FromUnixTimeSeconds(mark).UtcDateTime.Add(-IncrementalLookback);
    }

    /// <summary>
    /// Live counts for Get-SyncStatus, over the four tables: the source rows the sync would write (institutes, active users
    /// twice for user and user_auth, the institute and user pairs of institute users whose institute and user are synced)
    /// and the target's rows.
    /// </summary>
    public static async Task<(long Source, long Target)> LiveCountsAsync(MySqlSource server, string sourceDatabase, string targetDatabase, CancellationToken cancellationToken)
    {
        var (source, target) = (MySqlIdentifiers.Quote(sourceDatabase), MySqlIdentifiers.Quote(targetDatabase));
        await using var connection = await server.OpenAsync(cancellationToken).ConfigureAwait(false);
        return await Checked(server, $"{sourceDatabase} -> {targetDatabase}", async () =>
        {
            await using var command = connection.CreateCommand();
            command.CommandText = $"""
                SELECT (SELECT COUNT(*) FROM {source}.`institutes`)
                     + 2 * (SELECT COUNT(*) FROM {source}.`users` s WHERE {TablePlan.ActiveUsers})
                     + (SELECT COUNT(*) FROM (SELECT DISTINCT l.`institute_id`, l.`user_id` FROM {source}.`institute_user` l
                                                JOIN {source}.`institutes` i ON i.`id` = l.`institute_id`
                                                JOIN {source}.`users` s ON s.`id` = l.`user_id` AND {TablePlan.ActiveUsers}) pairs),
                       (SELECT COUNT(*) FROM {target}.`institute`) + (SELECT COUNT(*) FROM {target}.`user`)
                     + (SELECT COUNT(*) FROM {target}.`institute_users`) + (SELECT COUNT(*) FROM {target}.`user_auth`)
                """;
            await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
            return (Convert.ToInt64(reader.GetValue(0)), Convert.ToInt64(reader.GetValue(1)));
        }).ConfigureAwait(false);
    }

    private static Task Checked(MySqlSource server, string target, Func<Task> step) =>
        Checked(server, target, async () =>
        {
            await step().ConfigureAwait(false);
            return true;
        });

    private static async Task<T> Checked<T>(MySqlSource server, string target, Func<Task<T>> step)
    {
        try
        {
            return await step().ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            throw server.Translate(e, target);
        }
    }

    /// <summary>A run stopped for its failed rows: already said whole, not to be wrapped as a table's failure.</summary>
    private sealed class TooManyFailedRowsException(string message, string target)
        : SyncToolsException(message, JobErrorCategory.InvalidData, "OrgSyncTooManyFailedRows", target);

    /// <summary>
    /// One run's state: its options, reporter and id, and the per-table work. A preview (-WhatIf -CreateTargetSchema)
    /// reads the target tables in <paramref name="absent"/> as empty: they would be created.
    /// </summary>
    /// <param name="findsStale">
    /// No keys were read before the tables: each table's pass counts its stale rows (target rows no synced source row
    /// gives) and gathers its parents' keys itself, from the target's rows as they stream beside the source's.
    /// </param>
    private sealed class OrgSyncRunner(OrgSyncOptions options, IJobReporter reporter, Guid runId, IReadOnlySet<string> absent, IReadOnlyList<TablePlan> plans, bool findsStale)
    {
        private readonly string _sourceDatabase = MySqlIdentifiers.Quote(options.SourceDatabase);
        private readonly string _targetDatabase = MySqlIdentifiers.Quote(options.TargetDatabase);

        /// <summary>
        /// For each parent table of a table in the run: the keys the target holds as the run goes (a preview: as it
        /// would go), that is the rows it held less those removed, plus those written. A child row whose parent's key is
        /// not here is skipped.
        /// </summary>
        private readonly Dictionary<string, KeySet> _present = KeySets(plans);

        /// <summary>For the same tables: the keys of the rows the source gives. A target child row whose parent's is not here is stale.</summary>
        private readonly Dictionary<string, KeySet> _wanted = KeySets(plans);

        /// <summary>Rows failed so far in this run, all tables.</summary>
        private long _failed;

        public Guid RunId => runId;

        /// <summary>Takes the parents' keys from the keys read before the tables, less the rows removed (a preview: that would be).</summary>
        public void Start(Dictionary<string, HashSet<(long, long)>> wanted, Dictionary<string, HashSet<(long, long)>> held, IEnumerable<StaleRows> removed)
        {
            foreach (var (table, keys) in _present)
            {
                keys.UnionWith(held[table].Select(k => k.Item1));
                keys.ExceptWith(removed.Where(r => r.Plan.TargetTable == table).SelectMany(r => r.Keys).Select(k => k.Item1));
                _wanted[table].UnionWith(wanted[table].Select(k => k.Item1));
            }
        }

        /// <param name="removed">The table's target rows without a source row removed by this run.</param>
        /// <param name="stale">Those left, when the keys were read before the tables; otherwise the table's pass counts them.</param>
        public async Task<OrgSyncTableResult> SyncTableAsync(SourceTable table, long removed, long? stale, OrgSyncConnections connections, CancellationToken cancellationToken)
        {
            var clock = Stopwatch.StartNew();
            var plan = table.Plan;
            var (sourceName, targetName) = ($"{options.SourceDatabase}.{plan.SourceTable}", $"{options.TargetDatabase}.{plan.TargetTable}");
            var retry = options.Retry.Build(MySqlSource.IsTransient, reporter, targetName, connections.ResetAsync);
            var counts = new BatchOutcome();
            var skippedKeys = new List<SourceKey>();
            using var stopCounting = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            Task<(long? Rows, string? Failure)> counting = Task.FromResult<(long?, string?)>((null, null));
            try
            {
                // The progress's total, counted beside the stream: the rows do not wait for a scan of the table.
                counting = CountAsync(table, stopCounting.Token);
                (long, long)? after = null; // the last target key whose rows are done: a retry reads on from there
                await retry.ExecuteAsync(async token =>
                {
                    await using var source = new RowCursor<MappedRow>(new ReadAhead<MappedRow>(read => ReadSourceAsync(table, after, connections, read), token));
                    // Without -Incremental the target's rows come as a stream in key order too, read ahead beside the source's.
                    await using var held = options.ChangedSince is null && !absent.Contains(plan.TargetTable)
                        ? new RowCursor<TargetRow>(new ReadAhead<TargetRow>(read => ReadTargetAsync(plan, after, connections, read), token))
                        : null;
                    var batch = new OpenBatch();
                    while (await source.PeekAsync(token).ConfigureAwait(false) is { } row)
                    {
                        // A batch ends only where the target key changes, so that a retry from its last key misses no row.
                        if (batch.Outcome.Rows >= options.BatchSize && row.TargetKey != batch.Last)
                        {
                            Done(await WriteBatchAsync(plan, batch, connections, token).ConfigureAwait(false));
                            (after, batch) = (batch.Last, new OpenBatch());
                        }

                        source.Take();
                        await CompareAsync(plan, row, held, batch, token).ConfigureAwait(false);
                    }

                    // The target rows after the source's last: stale, all of them.
                    if (findsStale && held is not null) await TakeHeldAsync(plan, null, held, batch.Outcome, token).ConfigureAwait(false);
                    if (batch.Outcome.Rows > 0 || findsStale) Done(await WriteBatchAsync(plan, batch, connections, token).ConfigureAwait(false));
                }, cancellationToken).ConfigureAwait(false);

                if (counts.Duplicates > 0)
                {
                    reporter.Warning($"{counts.Duplicates:N0} rows of {sourceName} repeat the {string.Join(", ", plan.TargetKeySource)} of another row: of each such set only the row with the latest updated_at, then the highest {string.Join(", ", table.PagingKey)}, was synced into {targetName}.");
                }

                void Done(BatchOutcome batch)
                {
                    counts.Add(batch);
                    foreach (var (key, message) in batch.Failures)
                    {
                        reporter.RecordError(new JobRecordError($"{targetName}: {sourceName} row {key} was not written: {message}", JobErrorCategory.InvalidData, "OrgSyncRowFailed", $"{sourceName} {key}"));
                    }

                    _failed += batch.Failures.Count;
                    if (_failed > options.MaxFailedRows)
                    {
                        throw new TooManyFailedRowsException(
                            $"{targetName} from {sourceName}: {_failed:N0} rows failed in this run, more than -MaxFailedRows ({options.MaxFailedRows:N0}): stopped after {counts.Read:N0} rows, which stay. The errors name each row.",
                            targetName);
                    }

                    foreach (var (key, reason) in batch.SkippedRows.OrderBy(r => r.Key))
                    {
                        reporter.Verbose($"{targetName}: {sourceName} row {key} skipped: {reason}.");
                        if (skippedKeys.Count < 5) skippedKeys.Add(key);
                    }

                    // Counted outside the run's snapshot, the total can fall short: then there is none, rather than a table done too early.
                    var total = counting.IsCompletedSuccessfully && counting.Result.Rows is { } rows && rows >= counts.Rows ? rows : (long?)null;
                    reporter.Progress(new JobProgress($"Syncing {targetName}", counts.Rows, total,
                        $"{counts.Rows:N0}{(total is null ? "" : $" of {total:N0}")} rows: {counts.Inserted:N0} new, {counts.Updated:N0} changed"));
                }
            }
            catch (Exception e) when (e is not OperationCanceledException and not TooManyFailedRowsException)
            {
                cancellationToken.ThrowIfCancellationRequested(); // the driver's "query interrupted" when stopped is a stop, not a failure
                var translated = options.Target.Translate(e, targetName);
                throw new SyncToolsException(
                    $"{targetName} from {sourceName} stopped after {counts.Read:N0} rows ({counts.Inserted:N0} inserted, {counts.Updated:N0} updated; they stay): {e.Message}",
                    translated.Category, "OrgSyncTableFailed", targetName, e);
            }
            finally
            {
                // Done long before the rows, unless they failed first: then it is stopped, and not waited for long.
                if (!counting.IsCompleted)
                {
                    await stopCounting.CancelAsync().ConfigureAwait(false);
                    await Task.WhenAny(counting, Task.Delay(TimeSpan.FromSeconds(1), CancellationToken.None)).ConfigureAwait(false);
                }

                if (counting is { IsCompletedSuccessfully: true, Result.Failure: { } failure }) reporter.Verbose($"{sourceName}: the rows were not counted for the progress ({failure}).");
            }

            if (counts.Skipped > 0)
            {
                reporter.Warning($"{counts.Skipped:N0} rows of {sourceName} were skipped, their institute or user not being in {options.TargetDatabase} ({string.Join("; ", skippedKeys)}{(counts.Skipped > skippedKeys.Count ? "; ..." : "")}; -Verbose lists all).");
            }

            if (options.Preview)
            {
                reporter.ShouldProcess(targetName, $"Insert {counts.Inserted:N0} and update {counts.Updated:N0} rows from {sourceName} ({counts.Unchanged:N0} unchanged, {counts.Skipped:N0} skipped, {counts.Failed:N0} failed of {counts.Read:N0} read)");
            }

            return new OrgSyncTableResult
            {
                RunId = runId,
                Table = plan.Table,
                Source = sourceName,
                Target = targetName,
                Read = counts.Read,
                Inserted = counts.Inserted,
                Updated = counts.Updated,
                Unchanged = counts.Unchanged,
                Skipped = counts.Skipped,
                Failed = counts.Failed,
                Duplicates = counts.Duplicates,
                Removed = removed,
                Stale = stale ?? counts.Stale,
                Duration = clock.Elapsed,
            };
        }

        /// <summary>An empty key set for each parent table of <paramref name="plans"/>: a bit a key for ids counted up.</summary>
        private static Dictionary<string, KeySet> KeySets(IReadOnlyList<TablePlan> plans) =>
            plans.SelectMany(p => p.Parents).Select(p => p.Table).Distinct().ToDictionary(t => t, _ => new KeySet());

        private string Where(TablePlan plan) =>
            string.Join(" AND ", new[] { plan.Filter, options.ChangedSince is null ? null : plan.ChangedSince(_sourceDatabase) }.Where(c => c is not null));

        /// <summary>Keyset order: the row of <paramref name="left"/> comes after <paramref name="right"/>, written so that the index on the first column serves it.</summary>
        private static string After(IReadOnlyList<string> left, IReadOnlyList<string> right, int from = 0) => from == left.Count - 1
            ? $"{left[from]} > {right[from]}"
            : $"{left[from]} >= {right[from]} AND ({left[from]} > {right[from]} OR {After(left, right, from + 1)})";

        private void AddSince(DbCommand command)
        {
            if (options.ChangedSince is { } since) MySqlIdentifiers.Add(command, "@since", since);
        }

        /// <summary>The rows the table's filters pick: those its batches will read, for the progress.</summary>
        /// <remarks>
        /// On a connection of its own, beside the table's stream (a scan of the table: at scale 1 of the benchmark, a
        /// tenth of a full target's run when the stream waited for it), and outside the run's snapshot. No rows when it
        /// fails, with why (said with -Verbose once the table is done): the progress goes without a total.
        /// </remarks>
        private async Task<(long? Rows, string? Failure)> CountAsync(SourceTable table, CancellationToken cancellationToken)
        {
            try
            {
                await using var source = await options.Source.ForReading().OpenAsync(cancellationToken).ConfigureAwait(false);
                await using var command = source.CreateCommand();
                var where = Where(table.Plan);
                command.CommandText = $"SELECT COUNT(*) FROM {_sourceDatabase}.{MySqlIdentifiers.Quote(table.Plan.SourceTable)} s{(where.Length > 0 ? " WHERE " + where : "")}";
                AddSince(command);
                return (Convert.ToInt64(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false)), null);
            }
            catch (Exception e)
            {
                return (null, cancellationToken.IsCancellationRequested ? null : e.Message);
            }
        }

        /// <summary>
        /// Compares a source row, as it comes, with the target's row of its key, taken from the stream
        /// <paramref name="held"/> with the target's rows before it (which no source row gives); only a row to write is
        /// kept, in <paramref name="batch"/>. Without a stream (-Incremental) the row waits in the batch for a lookup.
        /// </summary>
        private async ValueTask CompareAsync(TablePlan plan, MappedRow row, RowCursor<TargetRow>? held, OpenBatch batch, CancellationToken cancellationToken)
        {
            var outcome = batch.Outcome;
            batch.Last = row.TargetKey;
            if (row.Superseded)
            {
                outcome.Duplicates++; // its key's synced row came just before it
                return;
            }

            outcome.Read++;
            if (findsStale && _wanted.TryGetValue(plan.TargetTable, out var wanted)) wanted.Add(row.TargetKey.Item1);
            var current = held is null ? null : await TakeHeldAsync(plan, row.TargetKey, held, outcome, cancellationToken).ConfigureAwait(false);
            if (row.Error is not null)
            {
                outcome.Failures.Add((row.Key, row.Error));
                return;
            }

            foreach (var parent in plan.Parents)
            {
                if (_present[parent.Table].Contains(Convert.ToInt64(row.Values![parent.Column]))) continue;
                outcome.SkippedRows.Add((row.Key, $"{parent.KeyColumn} {row.Values[parent.Column]} is not in {options.TargetDatabase}.{parent.Table}"));
                return;
            }

            if (held is null) batch.Candidates.Add(row);
            else Classify(batch, row, current);
        }

        /// <summary>A row to insert (the target has none of its key), to update (it holds other values) or unchanged.</summary>
        private static void Classify(OpenBatch batch, MappedRow row, object?[]? current)
        {
            if (current is null) batch.Changes.Add((row, true));
            else if (!Same(row.Values!, current)) batch.Changes.Add((row, false));
            else batch.Outcome.Unchanged++;
        }

        /// <summary>
        /// Whether a row read from the target counts among the keys it holds: always but in a preview whose keys were read
        /// first, where the rows -RemoveMissing would remove are still there to read. So a row the target came to hold
        /// after its keys were read counts too (a batch whose upsert committed but whose reply was lost, retried).
        /// </summary>
        private bool CountsAsHeld => findsStale || !options.Preview;

        /// <summary>
        /// Takes the target's rows up to the key <paramref name="key"/> (every one left when null) and gives the values of
        /// the row of that key, if there is one. Each row taken counts among the keys the target holds (see
        /// <see cref="CountsAsHeld"/>); when the table's pass finds the stale rows, also as stale when no source row gives
        /// its key (every row before the key) or the source gives none of its parents.
        /// </summary>
        private async ValueTask<object?[]?> TakeHeldAsync(TablePlan plan, (long, long)? key, RowCursor<TargetRow> held, BatchOutcome outcome, CancellationToken cancellationToken)
        {
            _present.TryGetValue(plan.TargetTable, out var present);
            while (await held.PeekAsync(cancellationToken).ConfigureAwait(false) is { } row)
            {
                var order = key is { } bound ? row.Key.CompareTo(bound) : -1;
                if (order > 0) break;
                held.Take();
                if (CountsAsHeld) present?.Add(row.Key.Item1);
                if (findsStale && (order < 0 || !ParentsWanted(plan, row.Key))) outcome.Stale++;

                if (order == 0) return row.Values;
            }

            return null;
        }

        /// <summary>
        /// Ends a batch: looks its waiting rows up in the target (-Incremental), writes the rows to write as one upsert,
        /// and counts the keys written among those the target holds.
        /// </summary>
        private async Task<BatchOutcome> WriteBatchAsync(TablePlan plan, OpenBatch batch, OrgSyncConnections connections, CancellationToken cancellationToken)
        {
            var (outcome, changes) = (batch.Outcome, batch.Changes);
            _present.TryGetValue(plan.TargetTable, out var present);
            var target = absent.Contains(plan.TargetTable)
                ? null // a preview of a table still to be created: nothing to read (parents are checked against the kept keys)
                : await connections.TargetAsync(cancellationToken).ConfigureAwait(false);
            if (batch.Candidates.Count > 0)
            {
                var held = new Dictionary<(long, long), object?[]>(batch.Candidates.Count);
                if (target is not null)
                {
                    await foreach (var (key, values) in LookUpTargetAsync(target, plan, batch.Candidates, cancellationToken).ConfigureAwait(false))
                    {
                        held[key] = values;
                        if (CountsAsHeld) present?.Add(key.Item1);
                    }
                }

                foreach (var row in batch.Candidates) Classify(batch, row, held.GetValueOrDefault(row.TargetKey));
            }

            if (options.Preview) outcome.Count(changes);
            else await UpsertAsync(target!, plan, changes, outcome, cancellationToken).ConfigureAwait(false);
            if (present is not null)
            {
                var failed = outcome.Failures.Select(f => f.Key).ToHashSet();
                foreach (var (row, _) in changes.Where(c => !failed.Contains(c.Row.Key))) present.Add(row.TargetKey.Item1);
            }

            return outcome;
        }

        /// <summary>
        /// The table's rows after the target key <paramref name="after"/>, in target-key order, in pieces of
        /// <see cref="PieceRows"/>: of rows sharing a target key, the one synced (the latest updated_at, a NULL one
        /// counting as earliest, then the highest paging key) comes first and the others are flagged as superseded.
        /// </summary>
        private async IAsyncEnumerable<List<MappedRow>> ReadSourceAsync(SourceTable table, (long, long)? after, OrgSyncConnections connections, [EnumeratorCancellation] CancellationToken cancellationToken)
        {
            var plan = table.Plan;
            var source = await connections.SourceAsync(cancellationToken).ConfigureAwait(false);
            await using var command = source.CreateCommand();
            var targetKey = plan.TargetKeySource.Select(c => "s." + MySqlIdentifiers.Quote(c)).ToList();
            var pagingKey = table.PagingKey.Select(c => "s." + MySqlIdentifiers.Quote(c)).ToList();
            var order = table.PagingKey.All(c => plan.TargetKeySource.Contains(c, StringComparer.OrdinalIgnoreCase))
                ? targetKey
                : [.. targetKey, "s.`updated_at` DESC", .. pagingKey.Select(c => c + " DESC")];
            var conditions = new List<string> { Where(plan) };
            if (after is { } last)
            {
                conditions.Add(After(targetKey, ["@after0", "@after1"]));
                MySqlIdentifiers.Add(command, "@after0", last.Item1);
                MySqlIdentifiers.Add(command, "@after1", last.Item2);
            }

            // The plan's columns, then the paging key's columns that are not among them; each read once a row.
            var columns = plan.SourceColumns.Concat(table.PagingKey.Where(c => !plan.SourceColumns.Contains(c, StringComparer.OrdinalIgnoreCase))).ToList();
            int[] At(IEnumerable<string> names) => names.Select(n => columns.FindIndex(c => c.Equals(n, StringComparison.OrdinalIgnoreCase))).ToArray();
            var (keyAt, pagingAt) = (At(plan.TargetKeySource), At(table.PagingKey));
            var where = string.Join(" AND ", conditions.Where(c => c.Length > 0));
            command.CommandText = $"SELECT {string.Join(", ", columns.Select(c => "s." + MySqlIdentifiers.Quote(c)))}" +
                                  $" FROM {_sourceDatabase}.{MySqlIdentifiers.Quote(plan.SourceTable)} s" +
                                  $"{(where.Length > 0 ? " WHERE " + where : "")} ORDER BY {string.Join(", ", order)}";
            AddSince(command);
            await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            var rows = new List<MappedRow>(PieceRows);
            var values = new object[columns.Count];
            var name = $"{options.SourceDatabase}.{plan.SourceTable}";
            (long, long)? previous = null;
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                reader.GetValues(values);
                var key = plan.KeyOf(values, keyAt);
                InKeyOrder(previous, key, name, plan.TargetKeySource);
                if (rows.Count == PieceRows)
                {
                    yield return rows;
                    rows = new List<MappedRow>(PieceRows);
                }

                var pagingValues = new object[pagingAt.Length];
                for (var i = 0; i < pagingAt.Length; i++) pagingValues[i] = values[pagingAt[i]];
                var sourceKey = new SourceKey(table.PagingKey, pagingValues);
                if (key == previous)
                {
                    rows.Add(new MappedRow(sourceKey, null, null, key, Superseded: true));
                    continue;
                }

                var mapped = plan.Map(values);
                rows.Add(new MappedRow(sourceKey, mapped.Values, mapped.Error, key));
                previous = key;
            }

            if (rows.Count > 0) yield return rows;
        }

        /// <summary>The target's rows after the key <paramref name="after"/>, in key order, in pieces of <see cref="PieceRows"/>; read on a connection of their own.</summary>
        private async IAsyncEnumerable<List<TargetRow>> ReadTargetAsync(TablePlan plan, (long, long)? after, OrgSyncConnections connections, [EnumeratorCancellation] CancellationToken cancellationToken)
        {
            var target = await connections.TargetReaderAsync(cancellationToken).ConfigureAwait(false);
            await using var command = target.CreateCommand();
            var key = plan.TargetColumns.Take(plan.KeyColumns).Select(MySqlIdentifiers.Quote).ToList();
            var where = "";
            if (after is { } last)
            {
                where = " WHERE " + After(key, ["@after0", "@after1"]);
                MySqlIdentifiers.Add(command, "@after0", last.Item1);
                MySqlIdentifiers.Add(command, "@after1", last.Item2);
            }

            command.CommandText = $"SELECT {string.Join(", ", plan.TargetColumns.Select(MySqlIdentifiers.Quote))} FROM {_targetDatabase}.{MySqlIdentifiers.Quote(plan.TargetTable)}{where} ORDER BY {string.Join(", ", key)}";
            await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            var rows = new List<TargetRow>(PieceRows);
            var (name, keyColumns) = ($"{options.TargetDatabase}.{plan.TargetTable}", plan.TargetColumns[..plan.KeyColumns]);
            (long, long)? previous = null;
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                var row = Row(plan, reader);
                InKeyOrder(previous, row.Key, name, keyColumns);
                previous = row.Key;
                rows.Add(row);
                if (rows.Count < PieceRows) continue;
                yield return rows;
                rows = new List<TargetRow>(PieceRows);
            }

            if (rows.Count > 0) yield return rows;
        }

        /// <summary>The target's rows holding the candidates' lookup values (with other rows of the same lookup values, never asked for).</summary>
        private async IAsyncEnumerable<TargetRow> LookUpTargetAsync(DbConnection target, TablePlan plan, List<MappedRow> candidates, [EnumeratorCancellation] CancellationToken cancellationToken)
        {
            await using var command = target.CreateCommand();
            var values = MySqlIdentifiers.AddPositional(command, candidates.Select(r => r.Values![plan.LookupColumn]).Distinct());
            command.CommandText = $"SELECT {string.Join(", ", plan.TargetColumns.Select(MySqlIdentifiers.Quote))} FROM {_targetDatabase}.{MySqlIdentifiers.Quote(plan.TargetTable)}" +
                                  $" WHERE {MySqlIdentifiers.Quote(plan.TargetColumns[plan.LookupColumn])} IN ({values})";
            await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false)) yield return Row(plan, reader);
        }

        /// <summary>
        /// Refuses rows that the server's ORDER BY does not give in the numbers' order, which the comparison of the two
        /// streams relies on: a key column of another type than a whole number (text sorts '10' before '9').
        /// </summary>
        private static void InKeyOrder((long, long)? previous, (long, long) key, string table, IEnumerable<string> columns)
        {
            if (previous is not { } last || key.CompareTo(last) >= 0) return;
            throw new SyncToolsException(
                $"{table}: ordered by {string.Join(", ", columns)}, the rows do not come in the order of their numbers ({last.Item1}, {last.Item2} before {key.Item1}, {key.Item2}): " +
                "those columns must be whole numbers (an integer type), which they are not. Nothing after the row before was compared or written.",
                JobErrorCategory.InvalidData, "OrgSyncKeyOrder", table);
        }

        /// <summary>The target row the reader is on: its values (NULL as null) and its key.</summary>
        private static TargetRow Row(TablePlan plan, DbDataReader reader)
        {
            var values = new object?[reader.FieldCount];
            reader.GetValues(values!);
            for (var i = 0; i < values.Length; i++)
            {
                if (values[i] is DBNull) values[i] = null;
            }

            return new TargetRow(plan.KeyOf(values), values);
        }

        /// <summary>Writes the rows as one upsert; when the target refuses a value, halves the batch until the refused rows are alone, and reports them.</summary>
        private async Task UpsertAsync(DbConnection target, TablePlan plan, List<(MappedRow Row, bool IsNew)> changes, BatchOutcome outcome, CancellationToken cancellationToken)
        {
            if (changes.Count == 0) return;
            try
            {
                await using var command = target.CreateCommand();
                var columns = plan.TargetColumns.Select(MySqlIdentifiers.Quote).ToList();
                var sql = new StringBuilder($"INSERT INTO {_targetDatabase}.{MySqlIdentifiers.Quote(plan.TargetTable)} ({string.Join(", ", columns)}) VALUES ");
                sql.AppendJoin(", ", changes.Select(c => "(" + MySqlIdentifiers.AddPositional(command, c.Row.Values!) + ")"));
                sql.Append(" ON DUPLICATE KEY UPDATE ").AppendJoin(", ", columns.Skip(plan.KeyColumns).Select(c => $"{c} = VALUES({c})"));
                command.CommandText = sql.ToString();
                await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                outcome.Count(changes);
            }
            catch (Exception e) when (MySqlSource.IsDataError(e))
            {
                if (changes.Count == 1)
                {
                    outcome.Failures.Add((changes[0].Row.Key, e.Message));
                    return;
                }

                await UpsertAsync(target, plan, changes[..(changes.Count / 2)], outcome, cancellationToken).ConfigureAwait(false);
                await UpsertAsync(target, plan, changes[(changes.Count / 2)..], outcome, cancellationToken).ConfigureAwait(false);
            }
        }

        /// <summary>Whether the source gives every parent row of the target row of <paramref name="key"/>.</summary>
        private bool ParentsWanted(TablePlan plan, (long, long) key)
        {
            foreach (var parent in plan.Parents)
            {
                if (!_wanted[parent.Table].Contains(parent.Column == 0 ? key.Item1 : key.Item2)) return false;
            }

            return true;
        }

        /// <summary>A mapped row and the target's row of its key hold the same values, column by column (<see cref="Same(object?, object?)"/>).</summary>
        private static bool Same(object?[] mapped, object?[] held)
        {
            for (var i = 0; i < mapped.Length; i++)
            {
                if (!Same(mapped[i], held[i])) return false;
            }

            return true;
        }

        /// <summary>Equal as the target stores them: numbers by value, times to the millisecond the target keeps.</summary>
        private static bool Same(object? mapped, object? held) => (mapped, held) switch
        {
            (null, null) => true,
            (null, _) or (_, null) => false,
            (DateTime a, DateTime b) => Math.Abs((a - b).Ticks) < TimeSpan.TicksPerMillisecond,
            (bool a, _) => a == Convert.ToBoolean(held),
            (long a, _) => a == Convert.ToInt64(held),
            (string a, string b) => string.Equals(a, b, StringComparison.Ordinal),
            _ => string.Equals(Convert.ToString(mapped), Convert.ToString(held), StringComparison.Ordinal),
        };
    }

    /// <summary>
    /// Reads a table's rows ahead in pieces, on the thread pool: the next rows are read and decoded while the current
    /// ones are compared and written on the target connection. Disposed, it stops the read and waits for it, so that no
    /// read stays under way on a connection about to be dropped or closed.
    /// </summary>
    private sealed class ReadAhead<T> : IAsyncDisposable
    {
        private readonly Channel<List<T>> _pieces = Channel.CreateBounded<List<T>>(1);
        private readonly CancellationTokenSource _stop;
        private readonly Task _reading;

        public ReadAhead(Func<CancellationToken, IAsyncEnumerable<List<T>>> read, CancellationToken cancellationToken)
        {
            _stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            _reading = Task.Run(async () =>
            {
                try
                {
                    await foreach (var piece in read(_stop.Token).ConfigureAwait(false)) await _pieces.Writer.WriteAsync(piece, _stop.Token).ConfigureAwait(false);
                    _pieces.Writer.Complete();
                }
                catch (Exception e)
                {
                    _pieces.Writer.Complete(e);
                }
            });
        }

        /// <summary>The next piece; null after the last. A failed read throws here.</summary>
        public async ValueTask<List<T>?> NextAsync(CancellationToken cancellationToken) =>
            await _pieces.Reader.WaitToReadAsync(cancellationToken).ConfigureAwait(false) && _pieces.Reader.TryRead(out var piece) ? piece : null;

        public async ValueTask DisposeAsync()
        {
            await _stop.CancelAsync().ConfigureAwait(false);
            await _reading.ConfigureAwait(false);
            _stop.Dispose();
        }
    }

    /// <summary>
    /// How many rows each side's reader hands over at a time, whatever the batch size. Small pieces keep few rows alive
    /// between the read and the comparison: with pieces of a batch, each side held up to three batches, which the
    /// garbage collector copied on nearly every collection (on a machine whose collector runs often, a third of a full
    /// target's run went to its pauses).
    /// </summary>
    private const int PieceRows = 100;

    /// <summary>A table's rows as they are read ahead, one at a time: each looked at before it is taken.</summary>
    private sealed class RowCursor<T>(ReadAhead<T> rows) : IAsyncDisposable where T : struct
    {
        private List<T> _piece = [];
        private int _next;

        /// <summary>The next row, not yet taken; null after the last.</summary>
        public ValueTask<T?> PeekAsync(CancellationToken cancellationToken) => _next < _piece.Count ? new(_piece[_next]) : NextPieceAsync(cancellationToken);

        private async ValueTask<T?> NextPieceAsync(CancellationToken cancellationToken)
        {
            while (_next == _piece.Count)
            {
                if (await rows.NextAsync(cancellationToken).ConfigureAwait(false) is not { } piece) return null;
                (_piece, _next) = (piece, 0);
            }

            return _piece[_next];
        }

        /// <summary>Takes the row <see cref="PeekAsync"/> gave.</summary>
        public void Take() => _next++;

        public ValueTask DisposeAsync() => rows.DisposeAsync();
    }

    /// <summary>A target row's key and values.</summary>
    private readonly record struct TargetRow((long, long) Key, object?[] Values);

    /// <summary>A batch being compared: what it did so far, the rows to write, and (-Incremental) the rows to look up in the target.</summary>
    private sealed class OpenBatch
    {
        public BatchOutcome Outcome { get; } = new();

        public List<(MappedRow Row, bool IsNew)> Changes { get; } = [];

        public List<MappedRow> Candidates { get; } = [];

        /// <summary>The target key of its last row.</summary>
        public (long, long) Last { get; set; }
    }

    /// <summary>A source table as this run reads it: its plan and the key it is paged by.</summary>
    private sealed record SourceTable(TablePlan Plan, string[] PagingKey);

    /// <summary>What one batch did; also the running total of a table.</summary>
    private sealed class BatchOutcome
    {
        public long Read { get; set; }

        /// <summary>Target rows no synced source row gives, when the table's pass counts them.</summary>
        public long Stale { get; set; }

        public long Inserted { get; private set; }

        public long Updated { get; private set; }

        public long Unchanged { get; set; }

        public long Skipped { get; private set; }

        public long Failed { get; private set; }

        public long Duplicates { get; set; }

        /// <summary>The rows read: those synced and those another row of the same target key superseded.</summary>
        public long Rows => Read + Duplicates;

        public List<(SourceKey Key, string Message)> Failures { get; } = [];

        public List<(SourceKey Key, string Reason)> SkippedRows { get; } = [];

        public void Count(List<(MappedRow Row, bool IsNew)> written)
        {
            Inserted += written.Count(c => c.IsNew);
            Updated += written.Count(c => !c.IsNew);
        }

        public void Add(BatchOutcome batch)
        {
            Read += batch.Read;
            Duplicates += batch.Duplicates;
            Inserted += batch.Inserted;
            Updated += batch.Updated;
            Unchanged += batch.Unchanged;
            Skipped += batch.SkippedRows.Count;
            Failed += batch.Failures.Count;
            Stale += batch.Stale;
        }
    }
}

using System.Data.Common;
using System.Diagnostics;
using System.Text;
using SyncTools.Core.Jobs;
using SyncTools.Core.MySql;
using SyncTools.Core.Status;

namespace SyncTools.Core.OrgSync;

/// <summary>
/// Copies the LAAS database into the organizations database, table by table in foreign-key order. Each table is read
/// by key in batches over one read-only source transaction; each batch is mapped, compared with the rows the target
/// holds for its keys, and only new or changed rows are written, as one multi-row upsert. A batch the target refuses is
/// halved until the bad rows are found, which are reported and left out; a transient failure retries the batch.
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

        var run = new OrgSyncRunner(options, reporter, Guid.NewGuid(), absent);
        await using var connections = new OrgSyncConnections(options);
        var source = await connections.SourceAsync(cancellationToken).ConfigureAwait(false);
        await Checked(options.Source, options.SourceName, () => MySqlIdentifiers.RequireColumnsAsync(source, options.SourceDatabase,
            plans.Select(p => (p.SourceTable, (IEnumerable<string>)p.SourceColumns)), "", cancellationToken)).ConfigureAwait(false);
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

        var missing = new MissingRows(options, reporter, absent);
        reporter.Progress(new JobProgress(Name, 0, plans.Count, "Comparing the keys of both sides"));
        var wanted = await Checked(options.Source, options.SourceName, () => missing.WantedAsync(plans, connections, cancellationToken)).ConfigureAwait(false);
        var held = await Checked(options.Target, options.TargetName, () => missing.HeldAsync(plans, wanted, connections, cancellationToken)).ConfigureAwait(false);
        var stale = MissingRows.Find(plans, wanted, held);
        var removed = await Checked(options.Target, options.TargetName, () => missing.ApplyAsync(stale, connections, cancellationToken)).ConfigureAwait(false);
        run.Start(held, options.RemoveMissing ? stale : []);
        var results = new List<OrgSyncTableResult>();
        foreach (var plan in plans)
        {
            reporter.Progress(new JobProgress(Name, results.Count, plans.Count, $"{plan.Table}: table {results.Count + 1} of {plans.Count}"));
            var left = options.RemoveMissing ? 0 : stale.FirstOrDefault(r => r.Plan == plan)?.Keys.Count ?? 0;
            var result = await run.SyncTableAsync(new SourceTable(plan, pagingKeys[plan.Table]), (removed.GetValueOrDefault(plan.Table), left), connections, cancellationToken).ConfigureAwait(false);
            results.Add(result);
            if (!options.Preview) tableDone?.Invoke(result);
        }

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
    private sealed class OrgSyncRunner(OrgSyncOptions options, IJobReporter reporter, Guid runId, IReadOnlySet<string> absent)
    {
        private readonly string _sourceDatabase = MySqlIdentifiers.Quote(options.SourceDatabase);
        private readonly string _targetDatabase = MySqlIdentifiers.Quote(options.TargetDatabase);

        /// <summary>
        /// The keys each target table holds as the run goes (a preview: as it would go): read once with every key of
        /// both sides, less the rows removed, plus the rows inserted. A row whose key is not there is new without asking
        /// the target, and a parent is present when its key is. With each key, the fingerprint of the row's values
        /// when the run began (<see cref="RowFingerprint.None"/> for a row the run has written, and in the tables
        /// <see cref="MissingRows.HeldAsync"/> reads as keys alone): a source row that maps to the same values is
        /// unchanged without reading the target's row again.
        /// </summary>
        private Dictionary<string, Dictionary<(long, long), UInt128>> _held = [];

        /// <summary>Rows failed so far in this run, all tables.</summary>
        private long _failed;

        public Guid RunId => runId;

        /// <param name="held">Every key of each target table the run reads or checks, from <see cref="MissingRows.HeldAsync"/>.</param>
        /// <param name="removed">Rows the run removes (or, a preview, would remove) before it syncs.</param>
        public void Start(Dictionary<string, Dictionary<(long, long), UInt128>> held, IEnumerable<StaleRows> removed)
        {
            _held = held;
            foreach (var rows in removed)
            {
                foreach (var key in rows.Keys) _held[rows.Plan.TargetTable].Remove(key);
            }
        }

        /// <param name="missing">The table's target rows without a source row: removed by this run, and left.</param>
        public async Task<OrgSyncTableResult> SyncTableAsync(SourceTable table, (long Removed, long Stale) missing, OrgSyncConnections connections, CancellationToken cancellationToken)
        {
            var clock = Stopwatch.StartNew();
            var plan = table.Plan;
            var (sourceName, targetName) = ($"{options.SourceDatabase}.{plan.SourceTable}", $"{options.TargetDatabase}.{plan.TargetTable}");
            var reader = new ReadAhead(async (after, token) => await ReadBatchAsync(table, after, await connections.SourceAsync(token).ConfigureAwait(false), token).ConfigureAwait(false), options.BatchSize);
            var retry = options.Retry.Build(MySqlSource.IsTransient, reporter, targetName, async () =>
            {
                await reader.DropAsync().ConfigureAwait(false);
                await connections.ResetAsync().ConfigureAwait(false);
            });
            var counts = new BatchOutcome();
            var skippedKeys = new List<SourceKey>();
            try
            {
                var total = await retry.ExecuteAsync(async token => await CountAsync(table, await connections.SourceAsync(token).ConfigureAwait(false), token).ConfigureAwait(false), cancellationToken).ConfigureAwait(false);
                SourceKey? after = null;
                while (true)
                {
                    var batch = await retry.ExecuteAsync(async token => await SyncBatchAsync(plan, await reader.ReadAsync(after, token).ConfigureAwait(false), after, connections, token).ConfigureAwait(false), cancellationToken).ConfigureAwait(false);
                    if (batch.Rows == 0) break;
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

                    after = batch.LastKey;
                    reporter.Progress(new JobProgress($"Syncing {targetName}", counts.Rows, Math.Max(total, counts.Rows),
                        $"{counts.Rows:N0} of {total:N0} rows: {counts.Inserted:N0} new, {counts.Updated:N0} changed"));
                    if (batch.Rows < options.BatchSize) break;
                }

                if (counts.Duplicates > 0)
                {
                    reporter.Warning($"{counts.Duplicates:N0} rows of {sourceName} repeat the {string.Join(", ", plan.TargetKeySource)} of another row: of each such set only the row with the latest updated_at, then the highest {string.Join(", ", table.PagingKey)}, was synced into {targetName}.");
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
                // However the table ends (done, failed, too many failed rows, stopped), no read stays under way on a
                // connection about to close: its open snapshot would hold the source's tables.
                await reader.DropAsync().ConfigureAwait(false);
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
                Removed = missing.Removed,
                Stale = missing.Stale,
                Duration = clock.Elapsed,
            };
        }

        private string Where(TablePlan plan) =>
            string.Join(" AND ", new[] { plan.Filter, options.ChangedSince is null ? null : plan.ChangedSince(_sourceDatabase) }.Where(c => c is not null));

        /// <summary>
        /// The condition (over s) that a row is the one synced of those sharing its target key: no other row has a later
        /// updated_at (a NULL one counting as earliest), or the same one and a higher paging key. Null when the paging key
        /// makes the target key unique by itself.
        /// </summary>
        private string? Latest(SourceTable table)
        {
            if (table.PagingKey.All(column => table.Plan.TargetKeySource.Contains(column, StringComparer.OrdinalIgnoreCase))) return null;
            var same = string.Join(" AND ", table.Plan.TargetKeySource.Select(MySqlIdentifiers.Quote).Select(c => $"d.{c} = s.{c}"));
            var quoted = table.PagingKey.Select(MySqlIdentifiers.Quote).ToList();
            return $"NOT EXISTS (SELECT 1 FROM {_sourceDatabase}.{MySqlIdentifiers.Quote(table.Plan.SourceTable)} d WHERE {same}" +
                   " AND (d.`updated_at` > s.`updated_at` OR (s.`updated_at` IS NULL AND d.`updated_at` IS NOT NULL)" +
                   $" OR (d.`updated_at` <=> s.`updated_at` AND {After(quoted.Select(c => "d." + c).ToList(), quoted.Select(c => "s." + c).ToList())})))";
        }

        /// <summary>Keyset order: the row of <paramref name="left"/> comes after <paramref name="right"/>, written so that the index on the first column serves it.</summary>
        private static string After(IReadOnlyList<string> left, IReadOnlyList<string> right, int from = 0) => from == left.Count - 1
            ? $"{left[from]} > {right[from]}"
            : $"{left[from]} >= {right[from]} AND ({left[from]} > {right[from]} OR {After(left, right, from + 1)})";

        private void AddSince(DbCommand command)
        {
            if (options.ChangedSince is { } since) MySqlIdentifiers.Add(command, "@since", since);
        }

        /// <summary>The rows the table's filters pick: those its batches will read, for the progress.</summary>
        private async Task<long> CountAsync(SourceTable table, DbConnection source, CancellationToken cancellationToken)
        {
            await using var command = source.CreateCommand();
            var where = Where(table.Plan);
            command.CommandText = $"SELECT COUNT(*) FROM {_sourceDatabase}.{MySqlIdentifiers.Quote(table.Plan.SourceTable)} s{(where.Length > 0 ? " WHERE " + where : "")}";
            AddSince(command);
            return Convert.ToInt64(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false));
        }

        /// <summary>Compares a batch read after <paramref name="after"/> with the target and writes what differs.</summary>
        private async Task<BatchOutcome> SyncBatchAsync(TablePlan plan, List<MappedRow> rows, SourceKey? after, OrgSyncConnections connections, CancellationToken cancellationToken)
        {
            var outcome = new BatchOutcome { Read = rows.Count(r => !r.Superseded), Duplicates = rows.Count(r => r.Superseded), LastKey = rows.Count > 0 ? rows[^1].Key : after };
            if (outcome.Read == 0) return outcome;
            var target = absent.Contains(plan.TargetTable)
                ? null // a preview of a table still to be created: nothing to read (parents are checked against the kept keys)
                : await connections.TargetAsync(cancellationToken).ConfigureAwait(false);
            var candidates = new List<MappedRow>(rows.Count);
            foreach (var row in rows.Where(r => !r.Superseded))
            {
                if (row.Error is not null) outcome.Failures.Add((row.Key, row.Error));
                else candidates.Add(row);
            }

            foreach (var parent in plan.Parents)
            {
                var present = _held[parent.Table];
                candidates.RemoveAll(r =>
                {
                    if (present.ContainsKey((Convert.ToInt64(r.Values![parent.Column]), 0))) return false;
                    outcome.SkippedRows.Add((r.Key, $"{parent.KeyColumn} {r.Values[parent.Column]} is not in {options.TargetDatabase}.{parent.Table}"));
                    return true;
                });
            }

            var rowsHeld = _held[plan.TargetTable];
            outcome.Unchanged += candidates.RemoveAll(r => rowsHeld.TryGetValue(r.TargetKey, out var print) && print != RowFingerprint.None && print == RowFingerprint.Of(r.Values!));
            var held = await ReadTargetAsync(target, plan, candidates, cancellationToken).ConfigureAwait(false);
            var changes = new List<(MappedRow Row, bool IsNew)>();
            foreach (var row in candidates)
            {
                if (!held.TryGetValue(row.TargetKey, out var current)) changes.Add((row, true));
                else if (!row.Values!.Zip(current).All(pair => Same(pair.First, pair.Second))) changes.Add((row, false));
                else outcome.Unchanged++;
            }

            if (options.Preview) outcome.Count(changes);
            else await UpsertAsync(target!, plan, changes, outcome, cancellationToken).ConfigureAwait(false);
            var failed = outcome.Failures.Select(f => f.Key).ToHashSet();
            // Written rows are the run's now: a later row of the same key is compared with them, not the fingerprint.
            foreach (var (row, _) in changes.Where(c => !failed.Contains(c.Row.Key))) rowsHeld[row.TargetKey] = RowFingerprint.None;
            return outcome;
        }

        /// <summary>The next batch after <paramref name="after"/> in paging-key order: the plan's columns, then the key's.</summary>
        private async Task<List<MappedRow>> ReadBatchAsync(SourceTable table, SourceKey? after, DbConnection source, CancellationToken cancellationToken)
        {
            var plan = table.Plan;
            await using var command = source.CreateCommand();
            var key = table.PagingKey.Select(c => "s." + MySqlIdentifiers.Quote(c)).ToList();
            var conditions = new List<string?> { Where(plan) };
            // Rows another row of the same target key supersedes are read too, flagged, and counted as duplicates.
            var latest = Latest(table);
            if (after is not null)
            {
                conditions.Add(After(key, key.Select((_, i) => $"@after{i}").ToList()));
                for (var i = 0; i < key.Count; i++) MySqlIdentifiers.Add(command, $"@after{i}", after.Values[i]);
            }

            var where = string.Join(" AND ", conditions.Where(c => !string.IsNullOrEmpty(c)));
            command.CommandText = $"SELECT {string.Join(", ", plan.SourceColumns.Select(c => "s." + MySqlIdentifiers.Quote(c)).Concat(key).Append(latest ?? "1"))}" +
                                  $" FROM {_sourceDatabase}.{MySqlIdentifiers.Quote(plan.SourceTable)} s" +
                                  $"{(where.Length > 0 ? " WHERE " + where : "")} ORDER BY {string.Join(", ", key)} LIMIT {options.BatchSize}";
            AddSince(command);
            var rows = new List<MappedRow>(options.BatchSize);
            await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                var keyValues = new object[key.Count];
                for (var i = 0; i < keyValues.Length; i++) keyValues[i] = reader.GetValue(plan.SourceColumns.Length + i);
                var sourceKey = new SourceKey(table.PagingKey, keyValues);
                if (Convert.ToInt64(reader.GetValue(plan.SourceColumns.Length + key.Count)) == 0)
                {
                    rows.Add(new MappedRow(sourceKey, null, null, Superseded: true));
                    continue;
                }

                var mapped = plan.Map(reader);
                rows.Add(new MappedRow(sourceKey, mapped.Values, mapped.Error, mapped.Values is { } values ? plan.KeyOf(i => values[i]) : default));
            }

            return rows;
        }

        /// <summary>The target's current values for those of the rows' keys it holds, by key (with other rows of the same lookup values, never asked for).</summary>
        private async Task<Dictionary<(long, long), object?[]>> ReadTargetAsync(DbConnection? target, TablePlan plan, List<MappedRow> rows, CancellationToken cancellationToken)
        {
            var held = new Dictionary<(long, long), object?[]>();
            var keysHeld = _held[plan.TargetTable];
            rows = rows.Where(r => keysHeld.ContainsKey(r.TargetKey)).ToList();
            if (rows.Count == 0 || target is null) return held; // all new, or a table still to be created
            await using var command = target.CreateCommand();
            var keys = MySqlIdentifiers.AddPositional(command, rows.Select(r => r.Values![plan.LookupColumn]).Distinct());
            command.CommandText = $"SELECT {string.Join(", ", plan.TargetColumns.Select(MySqlIdentifiers.Quote))} FROM {_targetDatabase}.{MySqlIdentifiers.Quote(plan.TargetTable)}" +
                                  $" WHERE {MySqlIdentifiers.Quote(plan.TargetColumns[plan.LookupColumn])} IN ({keys})";
            await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                var values = new object?[reader.FieldCount];
                for (var i = 0; i < values.Length; i++) values[i] = reader.IsDBNull(i) ? null : reader.GetValue(i);
                var key = plan.KeyOf(i => values[i]);
                if (keysHeld.ContainsKey(key)) held[key] = values; // not a row the run removed (a preview: would remove)
            }

            return held;
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

        /// <summary>Equal as the target stores them: numbers by value, times to the millisecond the target keeps.</summary>
        private static bool Same(object? mapped, object? held) => (mapped, held) switch
        {
            (null, null) => true,
            (null, _) or (_, null) => false,
            (DateTime a, DateTime b) => Math.Abs((a - b).Ticks) < TimeSpan.TicksPerMillisecond,
            (bool a, _) => a == Convert.ToBoolean(held),
            (long a, _) => a == Convert.ToInt64(held),
            _ => string.Equals(Convert.ToString(mapped), Convert.ToString(held), StringComparison.Ordinal),
        };
    }

    /// <summary>
    /// Reads a table's batches one ahead: when a batch is full, the next is read from the source (on the thread pool, the
    /// driver's async calls being synchronous) while the current one is compared and written on the target connection.
    /// </summary>
    private sealed class ReadAhead(Func<SourceKey?, CancellationToken, Task<List<MappedRow>>> read, int batchSize)
    {
        private (SourceKey? After, Task<List<MappedRow>> Rows)? _next;

        public async Task<List<MappedRow>> ReadAsync(SourceKey? after, CancellationToken cancellationToken)
        {
            var rows = _next is { } next && ReferenceEquals(next.After, after) ? await next.Rows.ConfigureAwait(false) : await read(after, cancellationToken).ConfigureAwait(false);
            _next = null;
            if (rows.Count == batchSize)
            {
                var last = rows[^1].Key;
                _next = (last, Task.Run(() => read(last, cancellationToken), cancellationToken));
            }

            return rows;
        }

        /// <summary>Waits for a read still under way and forgets it, before its connection is dropped.</summary>
        public async ValueTask DropAsync()
        {
            if (_next is not { } next) return;
            _next = null;
            try
            {
                await next.Rows.ConfigureAwait(false);
            }
            catch (Exception)
            {
                // Its rows are not used: the batch is read again, and a lasting failure shows there.
            }
        }
    }

    /// <summary>A source table as this run reads it: its plan and the key it is paged by.</summary>
    private sealed record SourceTable(TablePlan Plan, string[] PagingKey);

    /// <summary>What one batch did; also the running total of a table.</summary>
    private sealed class BatchOutcome
    {
        public long Read { get; set; }

        public SourceKey? LastKey { get; init; }

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
        }
    }
}
